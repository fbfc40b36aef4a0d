package ru.rosdistant.gateway.email;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.cluster.JobLeases;

/**
 * Reads each mailbox that is on, every {@code poll-interval}, on a scheduler of its own ({@code email-<id>}): Jakarta
 * Mail blocks and never runs on an event loop. Only the node holding the mailbox's lease reads it. A pass takes the
 * UIDs above the stored cursor (the whole folder again when UIDVALIDITY changed), stores each mail with the cursor in
 * one transaction, then puts the stored mails into dialogs.
 */
@Component
class MailboxReaders {

    private static final Logger log = LoggerFactory.getLogger(MailboxReaders.class);

    private final EmailChannel channel;

    private final EmailIntake intake;

    private final EmailThreads threads;

    private final JobLeases leases;

    private final List<Disposable> loops = new CopyOnWriteArrayList<>();

    private final List<Scheduler> schedulers = new CopyOnWriteArrayList<>();

    MailboxReaders(EmailChannel channel, EmailIntake intake, EmailThreads threads, JobLeases leases) {
        this.channel = channel;
        this.intake = intake;
        this.threads = threads;
        this.leases = leases;
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        channel.open().forEach(this::start);
    }

    /** Starts the loop of one mailbox; the returned handle stops it. */
    Disposable start(EmailChannel.OpenMailbox mailbox) {
        // a bounded elastic worker of its own: its thread may block (Jakarta Mail), unlike single() or parallel()
        Scheduler scheduler = Schedulers.newBoundedElastic(1, 16, "email-" + mailbox.config().id());
        schedulers.add(scheduler);
        Disposable loop = Flux.interval(Duration.ZERO, channel.properties().pollInterval(), scheduler)
                .onBackpressureDrop()
                .concatMap(tick -> pass(mailbox, scheduler)
                        .onErrorResume(error -> {
                            log.warn("Mailbox '{}': the pass failed, trying again in {}: {}", mailbox.config().id(),
                                    channel.properties().pollInterval(), error.toString());
                            return Mono.empty();
                        }), 1)
                .subscribe();
        loops.add(loop);
        return () -> {
            loop.dispose();
            scheduler.dispose();
        };
    }

    @EventListener(ContextClosedEvent.class)
    void stop() {
        loops.forEach(Disposable::dispose);
        schedulers.forEach(Scheduler::dispose);
    }

    private String job(EmailChannel.OpenMailbox mailbox) {
        return "email-reader:" + mailbox.config().id();
    }

    /**
     * One pass over the mailbox when this node holds its lease: the number of new mails stored (empty when another
     * node reads it). The blocking IMAP calls run on {@code scheduler}.
     */
    Mono<Integer> pass(EmailChannel.OpenMailbox mailbox, Scheduler scheduler) {
        return leases.acquire(job(mailbox), channel.properties().leaseTtl())
                .flatMap(lease -> Mono.usingWhen(
                        Mono.fromCallable(() -> ImapConnection.open(mailbox.config(), mailbox.password(),
                                        channel.properties().connectTimeout()))
                                .subscribeOn(scheduler),
                        connection -> read(mailbox, lease, connection, scheduler),
                        connection -> Mono.fromRunnable(connection::close).subscribeOn(scheduler))
                        .flatMap(stored -> threads.handlePending(mailbox.config()).thenReturn(stored)));
    }

    private Mono<Integer> read(EmailChannel.OpenMailbox mailbox, JobLeases.Lease lease, ImapConnection connection,
            Scheduler scheduler) {
        EmailProperties.Mailbox config = mailbox.config();
        return Mono.fromCallable(connection::uidValidity)
                .subscribeOn(scheduler)
                .flatMap(validity -> intake.cursor(config.id())
                        .defaultIfEmpty(new long[] {validity, 0})
                        .flatMap(cursor -> {
                            if (cursor[0] != validity) {
                                log.warn("Mailbox '{}': UIDVALIDITY changed from {} to {}; reading the folder again "
                                        + "(mails stored before are recognised by their Message-ID)", config.id(),
                                        cursor[0], validity);
                                return intake.resetCursor(config, lease, validity).thenReturn(0L);
                            }
                            return Mono.just(cursor[1]);
                        })
                        .publishOn(scheduler)
                        .map(last -> uidsAfter(connection, last))
                        .flatMapMany(Flux::fromIterable)
                        .concatMap(uid -> Mono.fromCallable(() -> read(connection, uid))
                                .subscribeOn(scheduler)
                                .flatMap(read -> leases.acquire(job(mailbox), channel.properties().leaseTtl())
                                        .filter(renewed -> renewed.token() == lease.token())
                                        .switchIfEmpty(Mono.error(() -> new EmailIntake.LeaseLost(config.id())))
                                        .flatMap(renewed -> intake.store(config, renewed, validity, read.fetched().uid(),
                                                read.fetched().raw(), read.classified()))))
                        .filter(Boolean::booleanValue)
                        .count()
                        .map(Long::intValue));
    }

    /** A mail fetched and classified, both on the mailbox's scheduler. */
    private record Read(ImapConnection.Fetched fetched, EmailIntake.Classified classified) {
    }

    private Read read(ImapConnection connection, long uid) throws Exception {
        ImapConnection.Fetched fetched = connection.fetch(uid, channel.properties().maxMessageSize().toBytes());
        return fetched == null ? null : new Read(fetched, intake.classify(fetched.raw(), fetched.size()));
    }

    private List<Long> uidsAfter(ImapConnection connection, long last) {
        try {
            return connection.uidsAfter(last, channel.properties().batchSize());
        }
        catch (jakarta.mail.MessagingException ex) {
            throw new IllegalStateException("Could not list the mailbox: " + ex.getMessage(), ex);
        }
    }
}
