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
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaParameter;
import com.tngtech.archunit.core.domain.JavaParameterizedType;
import com.tngtech.archunit.core.domain.JavaType;
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
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import ru.rosdistant.gateway.dialog.DialogEvent;
import ru.rosdistant.gateway.live.SocketFanOut;
import ru.rosdistant.gateway.shared.LiveEvent;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.codeUnits;
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

    /**
     * The live fan-out, the relay between nodes and the sockets take a {@link LiveEvent}, never a raw {@code Object}
     * (nor a consumer or function of one): the compiler then checks what may travel to a socket or another node.
     * Frames, which are JSON of any shape, are the one {@code Object} a socket takes ({@code send}).
     */
    @Test
    void theLiveModulesTakeTypedEvents() {
        ArchRule rule = codeUnits().that().areDeclaredInClassesThat()
                .resideInAnyPackage("ru.rosdistant.gateway.live..", "ru.rosdistant.gateway.cluster..")
                .and().doNotHaveModifier(JavaModifier.PRIVATE)
                .and().doNotHaveModifier(JavaModifier.SYNTHETIC)
                .and().doNotHaveModifier(JavaModifier.BRIDGE)
                .should(new ArchCondition<JavaCodeUnit>("take no raw Object (nor a consumer or function of one) but a"
                        + " frame") {

                    @Override
                    public void check(JavaCodeUnit unit, ConditionEvents events) {
                        for (JavaParameter parameter : unit.getParameters()) {
                            if (untyped(parameter.getType()) && !takesAFrameOrAnyValue(unit)) {
                                events.add(SimpleConditionEvent.violated(unit, unit.getFullName() + " takes "
                                        + parameter.getType().getName() + " (parameter " + parameter.getIndex()
                                        + ")"));
                            }
                        }
                    }
                })
                .because("what travels to the sockets and the other nodes is a LiveEvent, checked by the compiler");
        rule.check(main);
        assertThatThrownBy(() -> rule.check(new ClassFileImporter().importPackagesOf(
                ru.rosdistant.gateway.live.untyped.TakesAnything.class)))
                .as("the rule sees an Object and a Consumer<Object> where they are")
                .hasMessageContaining("TakesAnything.deliver(java.lang.Object)")
                .hasMessageContaining("TakesAnything.follow(java.util.function.Consumer)");
    }

    /** A raw {@code Object}, or a consumer or function (of {@code java.util.function}) that takes one. */
    private static boolean untyped(JavaType type) {
        JavaClass raw = type.toErasure();
        if (raw.isEquivalentTo(Object.class)) {
            return true;
        }
        return raw.getPackageName().equals("java.util.function") && type instanceof JavaParameterizedType function
                && !function.getActualTypeArguments().isEmpty()
                && function.getActualTypeArguments().get(0).toErasure().isEquivalentTo(Object.class);
    }

    /** {@code equals}, and the socket engine's doors for a frame to send (a map or a record rendered as JSON). */
    private static boolean takesAFrameOrAnyValue(JavaCodeUnit unit) {
        return unit.getName().equals("equals") || unit.getName().equals("send")
                || unit.getFullName()
                        .equals("ru.rosdistant.gateway.live.SocketConnection$Frame.<init>(java.lang.Object)");
    }

    /**
     * Every live event is a record (it travels between nodes as JSON) and has a route in the fan-out, whose routes are
     * also the relay's table of types: an event that implements {@link LiveEvent} without one would reach no socket.
     */
    @Test
    void everyLiveEventIsARecordTheFanOutRoutes() {
        Set<String> routed = new java.util.HashSet<>();
        new SocketFanOut().eventTypes().forEach(type -> routed.add(type.getName()));
        ArchRule rule = classes().that().implement(LiveEvent.class).and().areNotInterfaces()
                .should(new ArchCondition<JavaClass>("be a record the live fan-out routes") {

                    @Override
                    public void check(JavaClass type, ConditionEvents events) {
                        if (!type.isRecord() || !routed.contains(type.getName())) {
                            events.add(SimpleConditionEvent.violated(type, type.getName()
                                    + (type.isRecord() ? " has no route in SocketFanOut" : " is not a record")));
                        }
                    }
                });
        rule.check(main);
        assertThatThrownBy(() -> rule.check(new ClassFileImporter().importClasses(Unrouted.class)))
                .as("the rule sees a live event without a route")
                .hasMessageContaining("Unrouted has no route");
    }

    /** A live event the fan-out does not know: what the rule must find. */
    record Unrouted(long agentId) implements LiveEvent {
    }

    /**
     * Every event the gateway publishes is heard: a record made where {@code publishEvent} is called (in the same
     * method or lambda) is taken by some {@code @EventListener} of the main classes, or is a {@code DialogEvent}
     * (heard by {@code DialogEvents.Listener}, the live fan-out). An event nobody hears is a promise nothing keeps.
     */
    @Test
    void everyPublishedEventIsHeard() {
        ArchCondition<JavaClass> heard = new ArchCondition<>("publish only events some listener hears") {

            @Override
            public void check(JavaClass type, ConditionEvents events) {
                for (JavaMethodCall call : type.getMethodCallsFromSelf()) {
                    if (!call.getTargetOwner().isAssignableTo(ApplicationEventPublisher.class)
                            || !call.getName().equals("publishEvent")) {
                        continue;
                    }
                    call.getOrigin().getConstructorCallsFromSelf().stream()
                            .map(made -> made.getTargetOwner())
                            .filter(made -> made.isRecord()
                                    && made.getPackageName().startsWith("ru.rosdistant.gateway"))
                            .filter(made -> !made.isAssignableTo(DialogEvent.class) && !hasListener(made))
                            .forEach(made -> events.add(SimpleConditionEvent.violated(call, call.getOrigin()
                                    .getFullName() + " publishes " + made.getName() + ", which nobody hears")));
                }
            }
        };
        ArchRule rule = classes().should(heard);
        rule.check(main);
        assertThatThrownBy(() -> rule.check(new ClassFileImporter().importClasses(PublishesToNobody.class)))
                .as("the rule sees an event nobody hears, published at once or later in a lambda (as Tasks did)")
                .hasMessageContaining("Unheard, which nobody hears")
                .hasMessageContaining("UnheardLater, which nobody hears");
    }

    private static boolean hasListener(JavaClass event) {
        return main.stream()
                .flatMap(type -> type.getMethods().stream())
                .filter(method -> method.isAnnotatedWith(EventListener.class))
                .anyMatch(method -> method.getRawParameterTypes().size() == 1
                        && event.isAssignableTo(method.getRawParameterTypes().get(0).getName()));
    }

    /** Publishes an event that no listener of the gateway takes: what the rule must find. */
    static final class PublishesToNobody {

        record Unheard(long id) {
        }

        record UnheardLater(long id) {
        }

        void tell(ApplicationEventPublisher events) {
            events.publishEvent(new Unheard(1));
        }

        Mono<Long> tellLater(ApplicationEventPublisher events) {
            return Mono.just(2L).doOnNext(id -> events.publishEvent(new UnheardLater(id)));
        }
    }
}
