package ru.rosdistant.gateway.report;

import java.time.Duration;
import java.time.ZoneId;

import org.junit.jupiter.api.Test;

import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/** The queue of reports waiting for a place (gateway.report.concurrency), without a server. */
class ReportSlotsTests {

    private final ReportSlots slots = new ReportSlots(new ReportProperties(ZoneId.of("Europe/Samara"), 366, 100,
            Duration.ofSeconds(10), Duration.ofMinutes(5),
            new ReportProperties.Concurrency(1, 1, Duration.ofSeconds(5), 1, Duration.ofSeconds(5))));

    @Test
    void aWaitingReportRunsOnceThePlaceIsGivenBack() {
        Sinks.One<String> first = Sinks.one();
        StepVerifier.create(slots.run("anna", first.asMono()))
                .then(() -> assertThat(slots.running()).isEqualTo(1))
                .then(() -> StepVerifier.create(slots.run("boris", Mono.fromSupplier(() -> "boris's")))
                        .then(() -> first.tryEmitValue("anna's"))
                        .expectNext("boris's")
                        .verifyComplete())
                .expectNext("anna's")
                .expectComplete()
                .verify(Duration.ofSeconds(5));
        assertThat(slots.running()).isZero();
    }

    @Test
    void aFullQueueIsRefusedAtOnceAndACancelledWaiterLeavesIt() {
        Sinks.One<String> first = Sinks.one();
        var running = slots.run("anna", first.asMono()).subscribe();
        var waiter = slots.run("boris", Mono.just("boris's")).subscribe();
        StepVerifier.create(slots.run("vera", Mono.just("vera's")))
                .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(ReportBusyException.class)
                        .hasMessageContaining("The reports are busy"))
                .verify(Duration.ofSeconds(1));
        waiter.dispose();
        StepVerifier.create(slots.run("vera", Mono.just("vera's")))
                .then(() -> first.tryEmitValue("anna's"))
                .expectNext("vera's")
                .expectComplete()
                .verify(Duration.ofSeconds(5));
        running.dispose();
        assertThat(slots.running()).isZero();
    }

    @Test
    void aUsersSecondReportIsRefusedAsTheirsWhenItsWaitEnds() {
        ReportSlots roomy = new ReportSlots(new ReportProperties(ZoneId.of("Europe/Samara"), 366, 100,
                Duration.ofSeconds(10), Duration.ofMinutes(5),
                new ReportProperties.Concurrency(2, 1, Duration.ofMillis(300), 8, Duration.ofSeconds(5))));
        var running = roomy.run("anna", Mono.never()).subscribe();
        StepVerifier.create(roomy.run("anna", Mono.just("again")))
                .expectErrorSatisfies(error -> assertThat(((ReportBusyException) error).mine()).isTrue())
                .verify(Duration.ofSeconds(5));
        StepVerifier.create(roomy.run("boris", Mono.just("boris's")))
                .expectNext("boris's")
                .expectComplete()
                .verify(Duration.ofSeconds(5));
        running.dispose();
        assertThat(roomy.running()).isZero();
    }
}
