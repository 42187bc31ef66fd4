package dev.sluice.broker.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import java.util.Set;

/** The rules, apart from the test, so a test can also show one catching a wrong class. */
final class ArchitectureRules {
  private static final String[] FEATURES = {"dev.sluice.broker.ingest..",
      "dev.sluice.broker.plugin..", "dev.sluice.broker.grpc.."};

  static final ArchRule CORE_IMPORTS_NO_FEATURE = noClasses()
      .that().resideInAnyPackage("dev.sluice.broker.store..", "dev.sluice.broker.subject..",
          "dev.sluice.broker.access..", "dev.sluice.broker.error..")
      .should().dependOnClassesThat().resideInAnyPackage(FEATURES)
      .because("features use the core; the core never imports a feature (DESIGN.md)");

  static final ArchRule STORE_IS_A_LEAF = noClasses()
      .that().resideInAPackage("dev.sluice.broker.store..")
      .should().dependOnClassesThat().resideInAnyPackage("dev.sluice.broker.subject..",
          "dev.sluice.broker.access..", "dev.sluice.broker")
      .because("the store is a leaf: it appends and reads and knows nothing of subscribers");

  static final ArchRule SUBJECT_IS_A_LEAF = noClasses()
      .that().resideInAPackage("dev.sluice.broker.subject..")
      .should().dependOnClassesThat().resideInAnyPackage("dev.sluice.broker.store..",
          "dev.sluice.broker.access..", "dev.sluice.broker")
      .because("the subjects are a leaf");

  static final ArchRule GRPC_ONLY_FROM_ROOT = classes()
      .that().resideInAPackage("dev.sluice.broker.grpc..")
      .should().onlyHaveDependentClassesThat()
      .resideInAnyPackage("dev.sluice.broker.grpc..", "dev.sluice.broker")
      .because("grpc holds thin adapters that only the composition root wires in");

  static final ArchRule VERTX_INTERNALS_FENCED = noClasses()
      .that().resideOutsideOfPackage("dev.sluice.broker.grpc..")
      .should().dependOnClassesThat().resideInAnyPackage("io.vertx.core.internal..",
          "io.vertx.core.impl..", "io.vertx.core.net.impl..", "io.vertx.core.http.impl..")
      .because("Vert.x internals may change in any release: one fenced package uses them");

  static final ArchRule PLUGINS_APART = slices()
      .matching("dev.sluice.broker.plugin.(*)..").should().notDependOnEachOther()
      .because("a plugin never reaches into another (DESIGN.md)");

  static final ArchRule ROOT_IMPORTED_BY_NONE = classes()
      .that().resideInAPackage("dev.sluice.broker")
      .should().onlyHaveDependentClassesThat().resideInAPackage("dev.sluice.broker")
      .because("the root package is the composition root: it wires the features, and none "
          + "of them reads it (each gets its own settings)");

  static final ArchRule ENDPOINTS_USE_THE_SPI = noClasses()
      .that().resideInAPackage("dev.sluice.broker.grpc..")
      .should().dependOnClassesThat().resideInAnyPackage("dev.sluice.broker.plugin.*..")
      .because("an endpoint asks the plugin host for a capability of the SPI "
          + "(dev.sluice.broker.plugin), never for a plugin's own classes");

  /** Each package directly under dev.sluice.broker is a slice, and so is the root package. */
  static final ArchRule NO_CYCLES = slices().assignedFrom(new SliceAssignment() {
    @Override
    public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
      String name = javaClass.getPackageName();
      if (!name.startsWith("dev.sluice.broker")) {
        return SliceIdentifier.ignore();
      }
      String rest = name.substring("dev.sluice.broker".length());
      if (rest.isEmpty()) {
        return SliceIdentifier.of("(root)");
      }
      int dot = rest.indexOf('.', 1);
      return SliceIdentifier.of(dot < 0 ? rest.substring(1) : rest.substring(1, dot));
    }

    @Override
    public String getDescription() {
      return "the broker's top-level packages and its root package";
    }
  }).should().beFreeOfCycles();

  /**
   * The broker's API: what an embedder, a plugin author or the other modules may name. Every
   * other public type is internal, public only because another package of the broker uses it
   * (Java has no narrower visibility across packages without modules).
   */
  static final Set<String> API = Set.of(
      "dev.sluice.broker.Broker", "dev.sluice.broker.BrokerConfig",
      "dev.sluice.broker.BrokerMain",
      // Providers that ServiceLoader instantiates must be public.
      "dev.sluice.broker.plugin.tail.TailPlugin", "dev.sluice.broker.plugin.drain.DrainPlugin",
      "dev.sluice.broker.plugin.history.HistoryPlugin",
      // Measured alone by bench's DrainEncodeBenchmark: a drain's encoding and signing.
      "dev.sluice.broker.plugin.drain.Ndjson", "dev.sluice.broker.plugin.drain.Signer");

  static final ArchRule PUBLIC_ONLY_WHEN_NEEDED = classes()
      .that().resideInAPackage("dev.sluice.broker..").and().arePublic()
      .and().areTopLevelClasses()
      .should(new ArchCondition<JavaClass>("be on the API list or used by another package of "
          + "the broker") {
        @Override
        public void check(JavaClass type, ConditionEvents events) {
          boolean used = type.getDirectDependenciesToSelf().stream()
              .map(d -> d.getOriginClass().getPackageName())
              .anyMatch(p -> p.startsWith("dev.sluice.broker")
                  && !p.equals(type.getPackageName()));
          if (!used && !API.contains(type.getName())) {
            events.add(SimpleConditionEvent.violated(type, type.getName() + " is public, but "
                + "no other package of the broker uses it and it is not on the API list "
                + "(ArchitectureRules.API): make it package-private"));
          }
        }
      })
      .because("a small public API: what other modules may use is listed, the rest is "
          + "package-private unless another package needs it");

  /** For the other modules' classes: of the broker, they may use the API list alone. */
  static final ArchRule ONLY_THE_API = noClasses().should().dependOnClassesThat(
      DescribedPredicate.describe("are broker classes off the API list", (JavaClass c) ->
          c.getPackageName().startsWith("dev.sluice.broker")
              && !API.contains(topLevel(c).getName())))
      .because("the broker's API is listed in ArchitectureRules.API; the rest is internal");

  private static JavaClass topLevel(JavaClass type) {
    JavaClass outer = type;
    while (outer.getEnclosingClass().isPresent()) {
      outer = outer.getEnclosingClass().get();
    }
    return outer;
  }

  private ArchitectureRules() {}
}
