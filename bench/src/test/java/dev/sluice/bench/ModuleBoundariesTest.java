package dev.sluice.bench;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Where the modules meet, held from here because bench is the one module that sees all of
 * them: the client and the gateway speak to the broker over the wire contract only, and bench
 * reaches other modules through their public classes or a test fixture, never by putting a
 * class of its own into their packages. It also holds every module's main classes to UTF-8.
 */
class ModuleBoundariesTest {
  /**
   * The JDK's calls that take the platform's charset: on Java 17 in a container without
   * {@code LANG} (the POSIX locale) that is ASCII, and every byte past it becomes '?'.
   * {@code System.out} and {@code System.err} are left to the platform (servers' own log
   * lines); the command line writes UTF-8 itself, and the launcher mends a missing locale.
   */
  private static final Set<String> DEFAULT_CHARSET = Set.of(
      "java.lang.String.<init>([B)",
      "java.lang.String.<init>([B, int, int)",
      "java.lang.String.getBytes()",
      "java.io.InputStreamReader.<init>(java.io.InputStream)",
      "java.io.OutputStreamWriter.<init>(java.io.OutputStream)",
      "java.io.PrintStream.<init>(java.io.OutputStream)",
      "java.io.PrintStream.<init>(java.io.OutputStream, boolean)",
      "java.io.PrintStream.<init>(java.lang.String)",
      "java.io.PrintStream.<init>(java.io.File)",
      "java.io.PrintWriter.<init>(java.io.OutputStream)",
      "java.io.PrintWriter.<init>(java.io.OutputStream, boolean)",
      "java.io.PrintWriter.<init>(java.lang.String)",
      "java.io.PrintWriter.<init>(java.io.File)",
      "java.io.FileReader.<init>(java.lang.String)",
      "java.io.FileReader.<init>(java.io.File)",
      "java.io.FileWriter.<init>(java.lang.String)",
      "java.io.FileWriter.<init>(java.lang.String, boolean)",
      "java.io.FileWriter.<init>(java.io.File)",
      "java.io.FileWriter.<init>(java.io.File, boolean)",
      "java.util.Scanner.<init>(java.io.InputStream)",
      "java.util.Scanner.<init>(java.io.File)",
      "java.util.Scanner.<init>(java.nio.file.Path)",
      "java.io.ByteArrayOutputStream.toString()",
      "java.net.URLEncoder.encode(java.lang.String)",
      "java.net.URLDecoder.decode(java.lang.String)",
      "java.nio.charset.Charset.defaultCharset()",
      "java.lang.String.getBytes(int, int, [B, int)",
      "java.io.FileReader.<init>(java.io.FileDescriptor)",
      "java.io.FileWriter.<init>(java.io.FileDescriptor)",
      "java.util.Scanner.<init>(java.nio.channels.ReadableByteChannel)",
      "java.util.Formatter.<init>(java.io.OutputStream)",
      "java.util.Formatter.<init>(java.lang.String)",
      "java.util.Formatter.<init>(java.io.File)",
      "java.lang.Process.inputReader()",
      "java.lang.Process.errorReader()",
      "java.lang.Process.outputWriter()");

  // Calls and method references alike (String::getBytes): any access to one of them.
  static final ArchRule UTF_8_ONLY = noClasses()
      .should().accessTargetWhere(DescribedPredicate.describe("the platform's default charset",
          (JavaAccess<?> access) -> DEFAULT_CHARSET.contains(access.getTarget().getFullName())))
      .because("log lines, names and pages are UTF-8 whatever the machine's locale: name "
          + "StandardCharsets.UTF_8");

  @Test
  void everyModuleNamesItsCharset() {
    UTF_8_ONLY.check(new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.sluice"));
    // The two logging modules are not on bench's class path (a second SLF4J provider would
    // take over its logging): their classes, as the reactor has just compiled them.
    for (String module : new String[] {"client-logback", "client-slf4j"}) {
      Path classes = Path.of("..", module, "target", "classes").toAbsolutePath().normalize();
      assertThat(classes).as("compiled before bench in the reactor").isDirectory();
      UTF_8_ONLY.check(new ClassFileImporter().importPath(classes));
    }
  }

  @Test
  void aCallThatTakesTheDefaultCharsetIsCaught() {
    JavaClasses fixture = new ClassFileImporter().importClasses(DefaultCharsetFixture.class);
    var details = UTF_8_ONLY.evaluate(fixture).getFailureReport().getDetails();
    assertThat(details).hasSize(4).anySatisfy(d -> assertThat(d)
        .contains("calls constructor <java.lang.String.<init>([B)>"));
    assertThat(details).anySatisfy(d -> assertThat(d).contains("String.getBytes()"))
        .anySatisfy(d -> assertThat(d).contains("InputStreamReader.<init>(java.io.InputStream)"))
        .anySatisfy(d -> assertThat(d).contains("references method <java.lang.String.getBytes()>"));
  }

  /** Three calls and a method reference the rule must name, and one call it must not. */
  static final class DefaultCharsetFixture {
    static String all(byte[] bytes, java.io.InputStream in) {
      new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8);
      java.util.function.Function<String, byte[]> encode = String::getBytes;
      return new String(bytes).getBytes().length + new java.io.InputStreamReader(in).getEncoding()
          + encode.apply("").length;
    }
  }

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
