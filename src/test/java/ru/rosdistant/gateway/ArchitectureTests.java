package ru.rosdistant.gateway;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;
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

    /**
     * A future waited for is a {@code block()} by another name. The only waits: a stop listener's, as the context
     * closes (giving leases and presence rows back, off any event loop), and {@code system}'s, which starts and stops
     * the embedded PostgreSQL before and after the server runs.
     */
    @Test
    void nothingWaitsForAFutureButAStopListener() {
        ArchRule rule = noClasses().that().resideOutsideOfPackage("ru.rosdistant.gateway.system..")
                .should()
                .callMethodWhere(DescribedPredicate.<JavaMethodCall>describe(
                        "a wait on a Future outside an @EventListener(ContextClosedEvent.class)",
                        call -> call.getTargetOwner().isAssignableTo(Future.class)
                                && WAITS.contains(call.getName())
                                && !listensTo(call.getOrigin(), ContextClosedEvent.class)))
                .because("a waiting event loop stops every socket it serves");
        rule.check(main);
        assertThatThrownBy(() -> rule.check(new ClassFileImporter().importClasses(Waits.class)))
                .as("the rule sees a join() where there is one")
                .hasMessageContaining("Waits");
    }

    /**
     * Modules hear each other through typed, past-tense facts: every Spring listener of the gateway takes one event of
     * a type the gateway defines (a record, or an interface such events implement), or names the Spring lifecycle
     * event it runs on; none takes {@code Object} or a framework event to sort out by itself, and nothing implements
     * {@code ApplicationListener}.
     */
    @Test
    void everyListenerHearsATypedEvent() {
        ArchRule typed = methods().that().areAnnotatedWith(EventListener.class)
                .should(new ArchCondition<JavaMethod>("take one event record or event interface of the gateway, or "
                        + "name the lifecycle event they run on") {

                    @Override
                    public void check(JavaMethod method, ConditionEvents events) {
                        if (!hearsATypedEvent(method)) {
                            events.add(SimpleConditionEvent.violated(method, method.getFullName()
                                    + " does not hear a typed event of the gateway"));
                        }
                    }
                });
        typed.check(main);
        ArchRule noRawListeners = noClasses().should().implement(ApplicationListener.class)
                .because("a listener names the event it hears: @EventListener on a typed event");
        noRawListeners.check(main);
        assertThatThrownBy(() -> typed.check(new ClassFileImporter().importClasses(HearsAnything.class)))
                .as("the rule sees a listener of Object where there is one")
                .hasMessageContaining("HearsAnything");
    }

    private static boolean hearsATypedEvent(JavaMethod method) {
        List<JavaClass> parameters = method.getRawParameterTypes();
        if (parameters.isEmpty()) {
            EventListener listener = method.getAnnotationOfType(EventListener.class);
            List<Class<?>> named = new ArrayList<>(List.of(listener.value()));
            named.addAll(List.of(listener.classes()));
            return !named.isEmpty() && named.stream().allMatch(LIFECYCLE::contains);
        }
        if (parameters.size() != 1) {
            return false;
        }
        JavaClass event = parameters.get(0);
        return event.getPackageName().startsWith("ru.rosdistant.gateway") && (event.isRecord() || event.isInterface());
    }

    /** The waits of {@code java.util.concurrent.Future} and of Netty's futures, which are ones too. */
    private static final Set<String> WAITS = Set.of("get", "join", "sync", "syncUninterruptibly", "await",
            "awaitUninterruptibly");

    /** The Spring lifecycle events a gateway bean may start or stop its work on. */
    private static final Set<Class<?>> LIFECYCLE = Set.of(ApplicationStartedEvent.class,
            ApplicationReadyEvent.class, ContextClosedEvent.class);

    private static boolean listensTo(JavaCodeUnit unit, Class<?> event) {
        return unit.tryGetAnnotationOfType(EventListener.class)
                .map(listener -> List.of(listener.value()).contains(event)
                        || List.of(listener.classes()).contains(event))
                .orElse(false);
    }

    /** Waits for a future where no stop listener is: what the rule must find. */
    static final class Waits {

        void now(CompletableFuture<Void> work) {
            work.join();
        }
    }

    /** Hears whatever comes: what the rule must find. */
    static final class HearsAnything {

        @EventListener
        void on(Object anything) {
        }
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
    void onlyTheClusterModuleTalksToRedis() {
        ArchRule rule = noClasses().that().resideOutsideOfPackage("ru.rosdistant.gateway.cluster..")
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework.data.redis..", "io.lettuce..")
                .because("PostgreSQL decides and Redis only carries, behind cluster's own types; a single node runs"
                        + " without Redis");
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
