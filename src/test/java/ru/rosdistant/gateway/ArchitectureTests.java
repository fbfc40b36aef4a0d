package ru.rosdistant.gateway;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * What Spring Modulith's module check cannot say: rules about calls and libraries, over the main classes only.
 */
class ArchitectureTests {

    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages("ru.rosdistant.gateway");
    }

    @Test
    void nothingInTheGatewayWaitsForAReactiveResultByBlocking() {
        ArchRule rule = noClasses().should()
                .callMethodWhere(DescribedPredicate.<JavaMethodCall>describe("a blocking call on Mono or Flux",
                        call -> (call.getTargetOwner().isAssignableTo(Mono.class)
                        || call.getTargetOwner().isAssignableTo(Flux.class))
                        && (call.getName().startsWith("block") || call.getName().equals("toIterable")
                                || call.getName().equals("toStream"))))
                .because("a blocked event loop stops every socket it serves; BlockHound finds it only when a test"
                        + " happens to run that path");
        rule.check(main);
        assertThatThrownBy(() -> rule.check(new ClassFileImporter().importClasses(Staff.class)))
                .as("the rule sees a block() where there is one (the tests' Staff helper)")
                .hasMessageContaining("Staff");
    }

    @Test
    void onlyTheSocketModulesTouchTheWebSocketApi() {
        ArchRule rule = noClasses().that()
                .resideOutsideOfPackages("ru.rosdistant.gateway.live..", "ru.rosdistant.gateway.widget..",
                        "ru.rosdistant.gateway.console..", "ru.rosdistant.gateway.system..")
                .should().dependOnClassesThat().resideInAPackage("org.springframework.web.reactive.socket..")
                .because("the socket engine and the two sockets speak WebSocket; the domain speaks events");
        rule.check(main);
    }

    @Test
    void onlyTheSystemModuleStartsAnEmbeddedDatabaseOrUsesJdbc() {
        ArchRule rule = noClasses().that().resideOutsideOfPackage("ru.rosdistant.gateway.system..")
                .should().dependOnClassesThat().resideInAnyPackage("io.zonky..", "java.sql..")
                .because("the gateway reaches PostgreSQL through R2DBC; JDBC is for Flyway at start only");
        rule.check(main);
    }
}
