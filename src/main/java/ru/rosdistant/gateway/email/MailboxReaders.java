package ru.rosdistant.gateway.email;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.cluster.JobLeases;

/**
 * Reads each mailbox that is on, on a scheduler of its own ({@code email-<id>}): Jakarta Mail blocks and never runs
 * on an event loop. Only the node holding the mailbox's lease reads it. A pass takes the UIDs above the stored cursor
 * (the whole folder again when UIDVALIDITY changed), stores each mail with the cursor in one transaction, then puts
 * the stored mails into dialogs. Passes come every {@code poll-interval}; while this node reads the mailbox, an IMAP
 * IDLE on a connection of its own (scheduler {@code email-idle-<id>}) starts the next pass early when mail arrives.
 * The IDLE is only a wake-up: the cursor decides what is read, so a lost or missing IDLE costs at most one interval.
 */
@Component
class MailboxReaders {

    private static final Logger log = LoggerFactory.getLogger(MailboxReaders.class);

    /** How a mailbox's loop is paced: the poll, and the IDLE (off: null recycle). */
    record Pacing(Duration pollInterval, Duration idleRecycle) {

        static Pacing of(EmailProperties properties) {
            return new Pacing(properties.pollInterval(), properties.idle() ? properties.idleRecycle() : null);
        }
    }

    private final EmailChannel channel;

    private final EmailIntake intake;

    private final EmailThreads threads;

    private final JobLeases leases;

    private final MeterRegistry meters;

    private final List<Disposable> loops = new CopyOnWriteArrayList<>();

    MailboxReaders(EmailChannel channel, EmailIntake intake, EmailThreads threads, JobLeases leases,
            MeterRegistry meters) {
        this.channel = channel;
        this.intake = intake;
        this.threads = threads;
        this.leases = leases;
        this.meters = meters;
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        channel.open().forEach(mailbox -> start(mailbox, Pacing.of(channel.properties())));
    }

    /** Starts the loop of one mailbox (and its IDLE when the pacing has one); the returned handle stops them. */
    Disposable start(EmailChannel.OpenMailbox mailbox, Pacing pacing) {
        String id = mailbox.config().id();
        // bounded elastic workers of their own: their threads may block (Jakarta Mail), unlike single() or parallel()
        Scheduler scheduler = Schedulers.newBoundedElastic(1, 16, "email-" + id);
        Scheduler idleScheduler = Schedulers.newBoundedElastic(1, 4, "email-idle-" + id);
        Wakes wakes = new Wakes();
        Reading reading = new Reading();
        Disposable.Composite loop = Disposables.composite();
        loop.add(passes(mailbox, pacing, scheduler, wakes, reading).subscribe());
        if (pacing.idleRecycle() != null) {
            loop.add(new Idle(mailbox, pacing, idleScheduler, scheduler, wakes, reading).loop().subscribe());
        }
        loop.add(scheduler);
        loop.add(idleScheduler);
        loops.add(loop);
        return loop;
    }

    @EventListener(ContextClosedEvent.class)
    void stop() {
        loops.forEach(Disposable::dispose);
    }

    /** Pass after pass: the first at once, each next one after the poll interval or at the IDLE's wake-up. */
    private Mono<Void> passes(EmailChannel.OpenMailbox mailbox, Pacing pacing, Scheduler scheduler, Wakes wakes,
            Reading reading) {
        String id = mailbox.config().id();
        Counter byPoll = passesCounter(id, "poll");
        Counter byIdle = passesCounter(id, "idle");
        return Mono.fromRunnable(wakes::clear)
                .then(pass(mailbox, scheduler))
                .doOnNext(stored -> reading.set(true))
                .switchIfEmpty(Mono.fromRunnable(() -> reading.set(false)))
                .onErrorResume(error -> {
                    log.warn("Mailbox '{}': the pass failed, trying again in {}: {}", id, pacing.pollInterval(),
                            error.toString());
                    return Mono.empty();
                })
                .then(wakes.next(pacing.pollInterval(), scheduler))
                .publishOn(scheduler)
                .doOnNext(woken -> (woken ? byIdle : byPoll).increment())
                .repeat()
                .then();
    }

    private Counter passesCounter(String mailbox, String trigger) {
        return Counter.builder("gateway.email.passes")
                .description("Reading passes of a mailbox, by what started them (the poll interval or an IDLE)")
                .tag("mailbox", mailbox)
                .tag("trigger", trigger)
                .register(meters);
    }

    private String job(EmailChannel.OpenMailbox mailbox) {
        return "email-reader:" + mailbox.config().id();
    }

    /**
     * One pass over the mailbox when this node holds its lease: the number of new mails stored (empty when another
     * node reads it). The blocking IMAP calls run on {@code scheduler}.
     */
    Mono<Integer> pass(EmailChannel.OpenMailbox mailbox, Scheduler scheduler) {
        return pass(mailbox, scheduler, channel.properties().maxMessageSize().toBytes());
    }

    /** A pass that downloads mails up to {@code maxMessageSize} bytes (a test's smaller limit). */
    Mono<Integer> pass(EmailChannel.OpenMailbox mailbox, Scheduler scheduler, long maxMessageSize) {
        return leases.acquire(job(mailbox), channel.properties().leaseTtl())
                .flatMap(lease -> Mono.usingWhen(
                        Mono.fromCallable(() -> ImapConnection.open(mailbox.config(), mailbox.password(),
                                        channel.properties().connectTimeout()))
                                .subscribeOn(scheduler),
                        connection -> read(mailbox, lease, connection, scheduler, maxMessageSize),
                        connection -> Mono.fromRunnable(connection::close).subscribeOn(scheduler))
                        .flatMap(stored -> threads.handlePending(mailbox.config()).thenReturn(stored)));
    }

    private Mono<Integer> read(EmailChannel.OpenMailbox mailbox, JobLeases.Lease lease, ImapConnection connection,
            Scheduler scheduler, long maxMessageSize) {
        EmailProperties.Mailbox config = mailbox.config();
        return Mono.fromCallable(connection::uidValidity)
                .subscribeOn(scheduler)
                .flatMap(validity -> intake.position(config, lease, validity)
                        .publishOn(scheduler)
                        .map(last -> uidsAfter(connection, last))
                        .flatMapMany(Flux::fromIterable)
                        .concatMap(uid -> Mono.fromCallable(() -> read(connection, uid, maxMessageSize))
                                .subscribeOn(scheduler)
                                .flatMap(read -> leases.acquire(job(mailbox), channel.properties().leaseTtl())
                                        .filter(renewed -> renewed.token() == lease.token())
                                        .switchIfEmpty(Mono.error(() -> new EmailIntake.LeaseLost(config.id())))
                                        .flatMap(renewed -> intake.store(config, renewed, validity, read.fetched(),
                                                read.classified()))))
                        .filter(Boolean::booleanValue)
                        .count()
                        .map(Long::intValue));
    }

    /** A mail fetched and classified, both on the mailbox's scheduler. */
    private record Read(ImapConnection.Fetched fetched, EmailIntake.Classified classified) {
    }

    private Read read(ImapConnection connection, long uid, long maxMessageSize) throws Exception {
        ImapConnection.Fetched fetched = connection.fetch(uid, maxMessageSize);
        return fetched == null ? null : new Read(fetched, intake.classify(fetched, maxMessageSize));
    }

    private List<Long> uidsAfter(ImapConnection connection, long last) {
        try {
            return connection.uidsAfter(last, channel.properties().batchSize());
        }
        catch (jakarta.mail.MessagingException ex) {
            throw new IllegalStateException("Could not list the mailbox: " + ex.getMessage(), ex);
        }
    }

    /** Whether this node read the mailbox at its last pass (held its lease): only then it keeps an IDLE. */
    static final class Reading {

        private final Sinks.Many<Boolean> states = Sinks.many().replay().latest();

        void set(boolean reading) {
            states.tryEmitNext(reading);
        }

        /** Completes at once while this node reads the mailbox, else when it starts reading it. */
        Mono<Void> started() {
            return states.asFlux().filter(Boolean::booleanValue).next().then();
        }

        /** Completes when a pass finds the mailbox read by another node. */
        Mono<Void> stopped() {
            return states.asFlux().filter(reading -> !reading).next().then();
        }
    }

    /**
     * The IDLE's wake-ups for the loop of passes. A wake-up that comes while a pass runs is kept ({@code pending}),
     * so mail that arrives after the pass listed the folder is read at once, not one interval later.
     */
    static final class Wakes {

        private final AtomicBoolean pending = new AtomicBoolean();

        private final Sinks.Many<Boolean> announced = Sinks.many().multicast().directBestEffort();

        void wake() {
            pending.set(true);
            announced.tryEmitNext(true);
        }

        void clear() {
            pending.set(false);
        }

        /** True at the next wake-up (or one pending), false when the interval passed first. */
        Mono<Boolean> next(Duration interval, Scheduler scheduler) {
            return Mono.firstWithSignal(announced.asFlux().next(),
                    Mono.defer(() -> pending.get() ? Mono.just(true) : Mono.never()),
                    Mono.delay(interval, scheduler).thenReturn(false));
        }
    }

    /**
     * The IDLE of one mailbox: while this node reads it, a connection of its own waits in IDLE on the folder and
     * wakes the passes when the number of mails changes; it is closed and opened again every {@code idle-recycle}
     * (servers end an IDLE after 30 minutes, middleboxes drop quiet connections sooner). A server without IDLE is
     * simply polled. Failures are retried with back-off up to the poll interval.
     */
    private final class Idle {

        private final EmailChannel.OpenMailbox mailbox;

        private final Pacing pacing;

        private final Scheduler idleScheduler;

        private final Scheduler scheduler;

        private final Wakes wakes;

        private final Reading reading;

        private final AtomicBoolean offered = new AtomicBoolean(true);

        Idle(EmailChannel.OpenMailbox mailbox, Pacing pacing, Scheduler idleScheduler, Scheduler scheduler,
                Wakes wakes, Reading reading) {
            this.mailbox = mailbox;
            this.pacing = pacing;
            this.idleScheduler = idleScheduler;
            this.scheduler = scheduler;
            this.wakes = wakes;
            this.reading = reading;
        }

        Mono<Void> loop() {
            return reading.started()
                    .then(Mono.defer(this::session))
                    .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofSeconds(1))
                            .maxBackoff(pacing.pollInterval())
                            .doBeforeRetry(signal -> log.info("Mailbox '{}': IDLE failed, the poll goes on: {}",
                                    mailbox.config().id(), signal.failure().toString())))
                    .repeat(offered::get)
                    .then();
        }

        /** One IDLE connection, from its opening to its recycling. */
        private Mono<Void> session() {
            return Mono.usingWhen(
                    Mono.fromCallable(() -> ImapConnection.open(mailbox.config(), mailbox.password(),
                                    channel.properties().connectTimeout()))
                            .subscribeOn(idleScheduler),
                    connection -> Mono.fromCallable(connection::supportsIdle)
                            .subscribeOn(idleScheduler)
                            .flatMap(supported -> supported ? announcements(connection) : unsupported()),
                    // not on the IDLE's own thread, which is blocked in IDLE until the close ends it; nor on the
                    // mailbox's, which may be disposed with this loop (the close would be dropped)
                    connection -> Mono.fromRunnable(connection::close).subscribeOn(Schedulers.boundedElastic()));
        }

        private Mono<Void> announcements(ImapConnection connection) {
            // mail that came between the last pass and the count taken here is read now, any later one the IDLE sees
            return Mono.fromRunnable(() -> {
                        try {
                            connection.watch();
                        }
                        catch (jakarta.mail.MessagingException ex) {
                            throw new IllegalStateException("Could not count the mailbox: " + ex.getMessage(), ex);
                        }
                        wakes.wake();
                    })
                    .subscribeOn(idleScheduler)
                    .thenMany(Mono.fromCallable(connection::idleUntilAnnounced)
                            .subscribeOn(idleScheduler)
                            .repeat())
                    .filter(Boolean::booleanValue)
                    .doOnNext(changed -> wakes.wake())
                    .take(pacing.idleRecycle(), scheduler)
                    // another node reads the mailbox now: its IDLE is of no use here
                    .takeUntilOther(reading.stopped())
                    .then();
        }

        private Mono<Void> unsupported() {
            offered.set(false);
            log.info("Mailbox '{}': the server offers no IDLE; the mailbox is read every {}", mailbox.config().id(),
                    pacing.pollInterval());
            return Mono.empty();
        }
    }
}
