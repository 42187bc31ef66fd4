package dev.sluice.broker.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.freeze.FreezingArchRule;
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
  void packagesHaveNoNewCycles() {
    // Frozen: the cycles known today (the root package holds both the composition root and
    // the configuration every feature reads) are listed in src/test/resources/archunit_store;
    // any other cycle fails, and the house issue removes the listed ones. A stored cycle is
    // kept with its dependencies, so a new dependency inside a known cycle also fails: look
    // at it, and when it is no new cycle, refreeze once (-Darchunit.freeze.refreeze=true).
    FreezingArchRule.freeze(ArchitectureRules.NO_CYCLES).check(BROKER);
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
