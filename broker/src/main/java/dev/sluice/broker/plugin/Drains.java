package dev.sluice.broker.plugin;

import dev.sluice.proto.v1.Drain;
import dev.sluice.proto.v1.DrainSpec;
import dev.sluice.proto.v1.TestDrainResponse;
import io.vertx.core.Future;
import java.util.List;

/** The drains capability: an account's log drains, as the management API reaches them. */
public interface Drains {
  /** Creates a drain in {@code account}; it starts with the last {@code backfill} of logs. */
  Future<Drain> create(String account, DrainSpec spec);

  /** The drain {@code name} of {@code account}; NOT_FOUND if there is none. */
  Drain get(String account, String name);

  /** The drains of {@code account}, by name. */
  List<Drain> list(String account);

  /** Changes the fields of {@code spec} that {@code mask} names (all when empty). */
  Future<Drain> update(String account, DrainSpec spec, List<String> mask);

  /** Turns a drain on (it resumes where it was) or off. */
  Future<Drain> enable(String account, String name, boolean on);

  /** Deletes a drain and its state. */
  Future<Void> delete(String account, String name);

  /** Sends one test batch now and says what the endpoint answered. */
  Future<TestDrainResponse> test(String account, String name);
}
