package dev.sluice.broker.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** DESIGN.md's "Which way the imports run", held against the broker's main classes. */
class ArchitectureTest {
  static final JavaClasses BROKER = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.sluice.broker");

  @Test
  void theCoreImportsNoFeature() {
    ArchitectureRules.CORE_IMPORTS_NO_FEATURE.check(BROKER);
  }

  @Test
  void theStoreAndTheSubjectsAreLeaves() {
    ArchitectureRules.STORE_IS_A_LEAF.check(BROKER);
    ArchitectureRules.SUBJECT_IS_A_LEAF.check(BROKER);
  }

  @Test
  void onlyTheCompositionRootImportsTheGrpcAdapters() {
    ArchitectureRules.GRPC_ONLY_FROM_ROOT.check(BROKER);
  }

  @Test
  void vertxInternalsOnlyInTheGrpcAdapters() {
    ArchitectureRules.VERTX_INTERNALS_FENCED.check(BROKER);
  }

  @Test
  void pluginsDoNotReachIntoEachOther() {
    ArchitectureRules.PLUGINS_APART.check(BROKER);
  }

  @Test
  void packagesHaveNoCycles() {
    ArchitectureRules.NO_CYCLES.check(BROKER);
  }

  @Test
  void noFeatureImportsTheCompositionRoot() {
    ArchitectureRules.ROOT_IMPORTED_BY_NONE.check(BROKER);
  }

  @Test
  void endpointsReachPluginsOnlyThroughTheSpi() {
    ArchitectureRules.ENDPOINTS_USE_THE_SPI.check(BROKER);
  }

  @Test
  void onlyTheApiAndWhatOtherPackagesUseIsPublic() {
    ArchitectureRules.PUBLIC_ONLY_WHEN_NEEDED.check(BROKER);
  }

  @Test
  void theTestFixturesStartTheBrokerThroughItsApi() {
    JavaClasses testing = new ClassFileImporter().importPackages("dev.sluice.testing");
    ArchitectureRules.ONLY_THE_API.check(testing);
  }

  @Test
  void aPublicClassNoOtherPackageUsesIsCaught() {
    JavaClasses withFixture = new ClassFileImporter()
        .withImportOption(location -> !location.contains("/test-classes/")
            || location.contains("PublicForNothing"))
        .importPackages("dev.sluice.broker");
    var result = ArchitectureRules.PUBLIC_ONLY_WHEN_NEEDED.evaluate(withFixture);
    assertThat(result.getFailureReport().getDetails()).singleElement().asString()
        .contains("dev.sluice.broker.store.PublicForNothing is public, but no other package");
  }

  @Test
  void aNewCycleIsCaught() {
    // The broker's classes and one store class that imports a plugin: store -> plugin -> store.
    JavaClasses withCycle = new ClassFileImporter()
        .withImportOption(location -> !location.contains("/test-classes/")
            || location.contains("ArchitectureFixture"))
        .importPackages("dev.sluice.broker");
    var result = ArchitectureRules.NO_CYCLES.evaluate(withCycle);
    assertThat(result.hasViolation()).isTrue();
    assertThat(result.getFailureReport().toString()).contains("Cycle detected: Slice plugin",
        "Slice store");
  }

  @Test
  void aStoreClassThatImportsAFeatureIsCaught() {
    JavaClasses wrong = new ClassFileImporter().importClasses(
        dev.sluice.broker.store.ArchitectureFixture.WRONG);
    assertThat(ArchitectureRules.CORE_IMPORTS_NO_FEATURE.evaluate(wrong).hasViolation())
        .isTrue();
    assertThat(ArchitectureRules.STORE_IS_A_LEAF.evaluate(new ClassFileImporter()
        .importClasses(dev.sluice.broker.store.ArchitectureFixture.ALSO_WRONG)).hasViolation())
        .isTrue();
  }
}
