package dev.sluice.bench;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Where the modules meet, held from here because bench is the one module that sees all of
 * them: the client and the gateway speak to the broker over the wire contract only, and bench
 * reaches other modules through their public classes or a test fixture, never by putting a
 * class of its own into their packages.
 */
class ModuleBoundariesTest {
  @Test
  void theClientAndTheGatewayNeverLinkTheBroker() {
    JavaClasses clients = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.sluice.client", "dev.sluice.gateway");
    noClasses().should().dependOnClassesThat().resideInAPackage("dev.sluice.broker..")
        .because("they are the broker's clients: they reach it through proto's gRPC contract "
            + "(sluice up starts BrokerMain by name, in a JVM of its own)")
        .check(clients);
  }

  @Test
  void everyBenchClassLivesInBenchsOwnPackages() {
    // Bench's own compiled classes (surefire runs in the module's directory).
    JavaClasses bench = new ClassFileImporter()
        .importPath(Path.of("target", "classes").toAbsolutePath());
    classes().should().resideInAPackage("dev.sluice.bench..")
        .because("a benchmark inside another module's package reaches its package-private "
            + "code; use a public class or that module's test fixture (RunnerFixture)")
        .check(bench);
  }
}
