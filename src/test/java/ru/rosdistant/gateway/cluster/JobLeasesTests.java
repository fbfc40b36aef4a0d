package ru.rosdistant.gateway.cluster;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.cluster.JobLeases.Lease;

import static org.assertj.core.api.Assertions.assertThat;

@GatewayTest
class JobLeasesTests {

    @Autowired
    DatabaseClient db;

    private static String job() {
        return "test-job-" + UUID.randomUUID();
    }

    @Test
    void oneNodeHoldsAJobAndARenewalKeepsItsToken() {
        String job = job();
        JobLeases first = new JobLeases(db, "node-a");
        JobLeases second = new JobLeases(db, "node-b");
        Lease lease = first.acquire(job, Duration.ofSeconds(30)).block();
        assertThat(lease).isNotNull();
        assertThat(lease.token()).isEqualTo(1);
        StepVerifier.create(second.acquire(job, Duration.ofSeconds(30))).verifyComplete();
        assertThat(first.acquire(job, Duration.ofSeconds(30)).block()).isEqualTo(lease);
        assertThat(first.holds(lease).block()).isTrue();
    }

    @Test
    void anExpiredLeaseGoesToAnotherNodeWithAHigherTokenAndTheOldTokenIsFencedOut() throws Exception {
        String job = job();
        JobLeases first = new JobLeases(db, "node-a");
        JobLeases second = new JobLeases(db, "node-b");
        Lease old = first.acquire(job, Duration.ofMillis(200)).block();
        Thread.sleep(400);
        Lease taken = second.acquire(job, Duration.ofSeconds(30)).block();
        assertThat(taken).isNotNull();
        assertThat(taken.token()).isGreaterThan(old.token());
        assertThat(first.holds(old).block()).isFalse();
        StepVerifier.create(first.acquire(job, Duration.ofSeconds(30))).as("the old holder waits its turn")
                .verifyComplete();
        long fencedOut = old.bindTo(db.sql("UPDATE job_lease SET expires_at = expires_at WHERE job = :leaseJob AND "
                + JobLeases.FENCE)).fetch().rowsUpdated().block();
        long allowed = taken.bindTo(db.sql("UPDATE job_lease SET expires_at = expires_at WHERE job = :leaseJob AND "
                + JobLeases.FENCE)).fetch().rowsUpdated().block();
        assertThat(fencedOut).isZero();
        assertThat(allowed).isOne();
    }

    @Test
    void aReleasedLeaseIsFreeAtOnce() {
        String job = job();
        JobLeases first = new JobLeases(db, "node-a");
        JobLeases second = new JobLeases(db, "node-b");
        Lease lease = first.acquire(job, Duration.ofMinutes(5)).block();
        first.release(lease).block();
        Lease taken = second.acquire(job, Duration.ofMinutes(5)).block();
        assertThat(taken).isNotNull();
        assertThat(taken.token()).isEqualTo(lease.token() + 1);
        first.release(lease).block();
        assertThat(second.holds(taken).block()).as("a stale release changes nothing").isTrue();
    }

    @Test
    void ofTwelveNodesRacingForOneJobExactlyOneWins() {
        String job = job();
        List<Lease> won = Flux.fromStream(IntStream.range(0, 12).boxed())
                .flatMap(i -> new JobLeases(db, "racer-" + i).acquire(job, Duration.ofSeconds(30))
                        .subscribeOn(Schedulers.parallel()), 12)
                .collectList()
                .block();
        assertThat(won).hasSize(1);
        assertThat(won.get(0).token()).isEqualTo(1);
    }

    @Test
    void aBadJobNameOrTimeToLiveIsRefusedBeforeTheDatabase() {
        JobLeases leases = new JobLeases(db, "node-a");
        StepVerifier.create(leases.acquire(" ", Duration.ofSeconds(1))).verifyError(IllegalArgumentException.class);
        StepVerifier.create(leases.acquire("x".repeat(201), Duration.ofSeconds(1)))
                .verifyError(IllegalArgumentException.class);
        StepVerifier.create(leases.acquire(job(), Duration.ofMillis(10))).verifyError(IllegalArgumentException.class);
        StepVerifier.create(Mono.fromCallable(() -> new JobLeases(db, ""))).verifyError(IllegalArgumentException.class);
    }
}
