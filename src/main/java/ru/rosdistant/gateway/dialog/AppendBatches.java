package ru.rosdistant.gateway.dialog;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Result;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.shared.StorageOutage;

/**
 * Group commit for the messages people write: appends that arrive while earlier ones are being stored
 * wait and then go together, in one statement and one transaction (one WAL flush), through {@code append_messages},
 * which gives each the answer of the single append's {@code append_message} and rewrites each dialog's row once a
 * batch. With nothing in flight an append goes at once, so
 * a quiet gateway adds no delay; under load the batches grow by themselves and the commits per message
 * fall.
 *
 * <p>By default one batch is in flight at a time, so appends are stored in the order they were made: a
 * socket may hand over its next message before the previous one is stored (see
 * {@code SocketConnection}) and still get the {@code seq}s in the order it sent them.
 *
 * <p>Every append is still stored before it is acknowledged, and each caller gets its own outcome. A batch
 * is ordered by dialog so that two batches lock dialog rows in the same order. If a batch as a whole fails
 * (a deadlock with some other work, or one row PostgreSQL refuses), its appends are retried one by one,
 * so that one bad row costs no one else their message; when the database is down they fail as before.
 */
@Component
class AppendBatches {

    private static final Logger log = LoggerFactory.getLogger(AppendBatches.class);

    /**
     * {@code append_messages} (V68): what {@code append_message} gives each append in the batch's order, with a dialog
     * that has several appends in the batch locked and rewritten once for all of them. The time comes as microseconds
     * since the epoch (exact: {@code extract} gives a numeric), read as a number: the driver's parsing of a
     * {@code timestamptz}'s text cost more allocation per message than anything else of the row.
     */
    private static final String SQL = """
            SELECT r.ord, r.status, r.seq, (extract(epoch FROM r.created_at) * 1000000)::int8 AS created_us
            FROM append_messages($1::uuid[], $2::text[], $3::uuid[], $4::int8[], $5::text[], $6::text[], $7::text[]) r""";

    /** One append waiting for its batch. */
    record Pending(UUID dialogId, Sender sender, UUID visitorId, Long agentId, String author, String clientMsgId,
            String text, MonoSink<Stored> sink) {
    }

    private final DatabaseClient db;

    private final int maxInFlight;

    private final int maxBatch;

    private final Duration timeout;

    private final ArrayDeque<Pending> waiting = new ArrayDeque<>();

    private int inFlight;

    private final LongAdder statements = new LongAdder();

    private final LongAdder appends = new LongAdder();

    private final LongAdder strayTransactions = new LongAdder();

    @Autowired
    AppendBatches(DatabaseClient db, @Value("${gateway.dialog.append-batches-in-flight:1}") int maxInFlight,
            @Value("${gateway.dialog.append-batch-size:256}") int maxBatch,
            @Value("${gateway.dialog.append-timeout:10s}") Duration timeout) {
        this.db = db;
        this.maxInFlight = Math.max(1, maxInFlight);
        this.maxBatch = Math.max(1, maxBatch);
        this.timeout = timeout;
    }

    AppendBatches(DatabaseClient db, int maxInFlight, int maxBatch) {
        this(db, maxInFlight, maxBatch, Duration.ofSeconds(10));
    }

    /**
     * Stores one message through {@code append_message}; gives the function's answer.
     */
    Mono<Stored> append(UUID dialogId, Sender sender, UUID visitorId, Long agentId, String author,
            String clientMsgId, String text) {
        return Mono.create(sink -> {
            Pending pending = new Pending(dialogId, sender, visitorId, agentId, author, clientMsgId, text, sink);
            synchronized (this) {
                waiting.add(pending);
            }
            drain();
        });
    }

    private void drain() {
        while (true) {
            List<Pending> batch;
            synchronized (this) {
                if (inFlight >= maxInFlight || waiting.isEmpty()) {
                    return;
                }
                inFlight++;
                batch = new ArrayList<>(Math.min(waiting.size(), maxBatch));
                while (batch.size() < maxBatch && !waiting.isEmpty()) {
                    batch.add(waiting.poll());
                }
            }
            run(batch);
        }
    }

    private void run(List<Pending> batch) {
        batch.sort(Comparator.comparing(Pending::dialogId));
        store(batch)
                // A database that stops answering (a network black hole, not a refused connection) would hold
                // the batch, and every append behind it, until TCP gives up. After the timeout every append of
                // the batch is answered "storage unavailable, retry"; should the statement still commit later,
                // the client's retry with the same clientMsgId is recognised and acknowledged with the original seq.
                .timeout(timeout, Mono.error(() -> new StorageTimeoutException(timeout)))
                .onErrorResume(error -> {
                    if (batch.size() > 1 && !unreachable(error)) {
                        log.warn("A batch of {} appends failed ({}); storing them one by one", batch.size(),
                                error.toString());
                        return Flux.fromIterable(batch).concatMap(one -> store(List.of(one))
                                .onErrorResume(e -> {
                                    one.sink().error(e);
                                    return Mono.empty();
                                })).then();
                    }
                    // every append of the batch gets the error (a database outage: STORAGE_UNAVAILABLE, retryable);
                    // before, only the first did, and the others never answered: their sockets stalled for good
                    batch.forEach(one -> one.sink().error(error));
                    if (unreachable(error)) {
                        // the appends that waited meanwhile would go to the same database: they are answered now
                        // rather than after another timeout each
                        List<Pending> behind;
                        synchronized (this) {
                            behind = new ArrayList<>(waiting);
                            waiting.clear();
                        }
                        behind.forEach(one -> one.sink().error(error));
                    }
                    return Mono.empty();
                })
                .doFinally(signal -> {
                    synchronized (this) {
                        inFlight--;
                    }
                    drain();
                })
                .subscribe();
    }

    /** The database cannot be reached: trying the appends one by one would only fail n times more slowly. */
    private static boolean unreachable(Throwable error) {
        return error instanceof StorageTimeoutException || StorageOutage.unreachable(error);
    }

    /** One statement for the batch; completes each append's sink with its row. */
    private Mono<Void> store(List<Pending> batch) {
        int n = batch.size();
        statements.increment();
        appends.add(n);
        String[] dialogs = new String[n];
        String[] senders = new String[n];
        String[] visitors = new String[n];
        Long[] agents = new Long[n];
        String[] authors = new String[n];
        String[] clients = new String[n];
        String[] bodies = new String[n];
        for (int i = 0; i < n; i++) {
            Pending p = batch.get(i);
            dialogs[i] = p.dialogId().toString();
            senders[i] = p.sender().name();
            visitors[i] = p.visitorId() == null ? null : p.visitorId().toString();
            agents[i] = p.agentId();
            authors[i] = p.author();
            clients[i] = p.clientMsgId();
            bodies[i] = p.text();
        }
        return db.inConnection(connection -> Flux.from(connection.createStatement(SQL)
                                .bind("$1", dialogs)
                                .bind("$2", senders)
                                .bind("$3", visitors)
                                .bind("$4", agents)
                                .bind("$5", authors)
                                .bind("$6", clients)
                                .bind("$7", bodies)
                                .execute())
                        .flatMap(result -> result.map(row -> new Row(row.get("ord", Long.class).intValue(),
                                Stored.batched(row))))
                        .collectList()
                        .flatMap(rows -> committed(connection, rows)))
                .doOnNext(rows -> {
                    if (rows.size() != n) {
                        throw new IllegalStateException("append_messages gave " + rows.size() + " rows for " + n);
                    }
                    for (Row row : rows) {
                        batch.get(row.ord() - 1).sink().success(row.values());
                    }
                })
                .then();
    }

    /**
     * The rows, once their statement's own transaction has committed: only then may they be acknowledged. A pooled
     * connection that some cancelled work gave back inside a transaction block would run the statement in that
     * block, where it commits nothing; the driver knows the block from the server's answers, which come in order,
     * so it is known here without another round trip. Such a batch is rolled back (the block with it) and answered
     * "storage unavailable, retry"; the clients' retries with the same ids are stored then.
     */
    private Mono<List<Row>> committed(Connection connection, List<Row> rows) {
        if (connection.isAutoCommit()) {
            return Mono.just(rows);
        }
        strayTransactions.increment();
        log.error("A pooled connection was inside a transaction block: the batch of {} appends is rolled back with "
                + "it and answered retryably", rows.size());
        return Flux.from(connection.createStatement("ROLLBACK").execute())
                .flatMap(Result::getRowsUpdated)
                .then(Mono.error(new StrayTransactionException()));
    }

    /** Statements run so far (batches, and single retries after a failed batch). */
    long statements() {
        return statements.sum();
    }

    /** Appends sent to PostgreSQL so far, counting each retry again. */
    long appends() {
        return appends.sum();
    }

    /** Batches found on a connection inside a transaction block, rolled back and answered retryably. */
    long strayTransactions() {
        return strayTransactions.sum();
    }

    private record Row(int ord, Stored values) {
    }

    /** The database did not answer a batch in time. */
    static final class StorageTimeoutException extends org.springframework.dao.TransientDataAccessResourceException {

        StorageTimeoutException(Duration timeout) {
            super("The message store did not answer within " + timeout.toMillis() + " ms");
        }
    }

    /** The batch ran inside a transaction block that was not its own: nothing of it was kept. */
    static final class StrayTransactionException
            extends org.springframework.dao.TransientDataAccessResourceException {

        StrayTransactionException() {
            super("The message store's connection was inside a transaction block; nothing was stored, try again");
        }
    }

    /** What {@code append_message} answered for one append. */
    record Stored(String status, Long seq, Instant createdAt) {

        /** A row of {@code append_message}: status, seq, created_at. */
        static Stored of(Readable row) {
            OffsetDateTime createdAt = row.get("created_at", OffsetDateTime.class);
            return new Stored(row.get("status", String.class), row.get("seq", Long.class),
                    createdAt == null ? null : createdAt.toInstant());
        }

        /** A row of the batch's statement: status, seq, created_us (microseconds since the epoch). */
        static Stored batched(Readable row) {
            Long micros = row.get("created_us", Long.class);
            return new Stored(row.get("status", String.class), row.get("seq", Long.class),
                    micros == null ? null : Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                            Math.floorMod(micros, 1_000_000L) * 1000L));
        }
    }
}
