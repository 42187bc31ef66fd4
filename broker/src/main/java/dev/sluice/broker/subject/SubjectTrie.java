package dev.sluice.broker.subject;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A trie of filters, like nats-server's sublist: literal tokens, {@code *} and {@code >} each
 * have their own branch, so a match walks at most three branches per level. Not thread-safe:
 * {@link Router} guards it.
 */
final class SubjectTrie<T> {
  private final Node<T> root = new Node<>();
  private int size;

  private static final class Node<T> {
    final Map<String, Node<T>> literal = new HashMap<>();
    Node<T> anyOne;
    Node<T> anyRest;
    final Set<T> values = new LinkedHashSet<>();

    boolean isEmpty() {
      return literal.isEmpty() && anyOne == null && anyRest == null && values.isEmpty();
    }
  }

  void add(SubjectFilter filter, T value) {
    Node<T> node = root;
    for (String token : filter.tokens()) {
      node = child(node, token, true);
    }
    if (node.values.add(value)) {
      size++;
    }
  }

  boolean remove(SubjectFilter filter, T value) {
    boolean removed = remove(root, filter.tokens(), 0, value);
    if (removed) {
      size--;
    }
    return removed;
  }

  private boolean remove(Node<T> node, List<String> tokens, int depth, T value) {
    if (depth == tokens.size()) {
      return node.values.remove(value);
    }
    String token = tokens.get(depth);
    Node<T> next = child(node, token, false);
    if (next == null || !remove(next, tokens, depth + 1, value)) {
      return false;
    }
    if (next.isEmpty()) {
      // Prune empty branches so high-churn request filters do not leave a growing trie behind.
      switch (token) {
        case SubjectFilter.ANY_ONE -> node.anyOne = null;
        case SubjectFilter.ANY_REST -> node.anyRest = null;
        default -> node.literal.remove(token);
      }
    }
    return true;
  }

  int size() {
    return size;
  }

  /** Adds every value whose filter matches the subject's tokens to {@code out}, once each. */
  void match(String[] subject, Set<T> out) {
    match(root, subject, 0, out);
  }

  private void match(Node<T> node, String[] subject, int depth, Set<T> out) {
    if (node.anyRest != null && depth < subject.length) {
      out.addAll(node.anyRest.values);
    }
    if (depth == subject.length) {
      out.addAll(node.values);
      return;
    }
    Node<T> literal = node.literal.get(subject[depth]);
    if (literal != null) {
      match(literal, subject, depth + 1, out);
    }
    if (node.anyOne != null) {
      match(node.anyOne, subject, depth + 1, out);
    }
  }

  private Node<T> child(Node<T> node, String token, boolean create) {
    switch (token) {
      case SubjectFilter.ANY_ONE -> {
        if (node.anyOne == null && create) {
          node.anyOne = new Node<>();
        }
        return node.anyOne;
      }
      case SubjectFilter.ANY_REST -> {
        if (node.anyRest == null && create) {
          node.anyRest = new Node<>();
        }
        return node.anyRest;
      }
      default -> {
        return create ? node.literal.computeIfAbsent(token, t -> new Node<>())
            : node.literal.get(token);
      }
    }
  }
}
