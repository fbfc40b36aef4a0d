package ru.rosdistant.gateway.files;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.UUID;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;

/**
 * Moves file content that earlier versions kept in PostgreSQL ({@code content bytea} of {@code visitor_file} and
 * {@code messenger_file}) to the {@link FileStore}, one row at a time: at start and every
 * {@code gateway.files.move-interval} (a node of an earlier version may still write such rows during an
 * upgrade). Each round also deletes unfinished uploads a stopped node left in the folder. A row not moved yet
 * is served from its column meanwhile. Two nodes moving the same row are safe:
 * the update takes only a row without a key, and the loser deletes its copy.
 */
@Component
class StoredContentMover {

    private static final Log log = LogFactory.getLog(StoredContentMover.class);

    /** The tables whose rows carry {@code id}, {@code content}, {@code storage_key} and {@code sha256}. */
    private static final List<String> TABLES = List.of("visitor_file", "messenger_file");

    private final DatabaseClient db;

    private final FileStore store;

    private final FileProperties properties;

    private final ru.rosdistant.gateway.cluster.SingletonJobs jobs;

    private Disposable schedule;

    StoredContentMover(DatabaseClient db, FileStore store, FileProperties properties,
            ru.rosdistant.gateway.cluster.SingletonJobs jobs) {
        this.jobs = jobs;
        this.db = db;
        this.store = store;
        this.properties = properties;
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        schedule = Flux.interval(java.time.Duration.ZERO, properties.moveInterval())
                .onBackpressureDrop()
                // the store is one for all nodes: one node at a time sweeps and moves
                .concatMap(tick -> jobs.runAlone("files.move", properties.moveInterval(),
                                () -> sweepParts().then(moveAll()))
                        .reduce(0L, Long::sum)
                        .onErrorResume(error -> {
                            log.warn("Moving stored file content to the file store failed, tried again in "
                                    + properties.moveInterval() + ": " + error);
                            return Mono.just(0L);
                        }))
                .subscribe(moved -> {
                    if (moved > 0) {
                        log.info("Moved " + moved + " files from PostgreSQL to the file store");
                    }
                });
    }

    @jakarta.annotation.PreDestroy
    void stop() {
        if (schedule != null) {
            schedule.dispose();
        }
    }

    /** Parts a stopped node left behind, when the store is the folder. */
    private Mono<Void> sweepParts() {
        return store instanceof FolderFileStore folder
                ? folder.sweepParts(properties.uploadTimeout().multipliedBy(2))
                        .doOnNext(swept -> {
                            if (swept > 0) {
                                log.info("Deleted " + swept + " unfinished uploads left in the file store");
                            }
                        })
                        .then()
                : Mono.empty();
    }

    /** Moves every row still holding its content; the number moved. */
    Mono<Long> moveAll() {
        return Flux.fromIterable(TABLES)
                .concatMap(table -> Flux.defer(() -> moveOne(table))
                        .repeat()
                        .takeWhile(Boolean::booleanValue)
                        .count())
                .reduce(0L, Long::sum);
    }

    /** Moves one row of the table; false when none is left. */
    private Mono<Boolean> moveOne(String table) {
        return db.sql("SELECT id, content FROM " + table + " WHERE content IS NOT NULL AND storage_key IS NULL LIMIT 1")
                .map(row -> new Row(row.get("id", UUID.class), row.get("content", ByteBuffer.class)))
                .one()
                .flatMap(row -> store.put(Flux.just(DefaultDataBufferFactory.sharedInstance.wrap(row.content())),
                                Long.MAX_VALUE)
                        .flatMap(file -> db.sql("UPDATE " + table + " SET storage_key = :key, sha256 = :sha, "
                                        + "content = NULL WHERE id = :id AND storage_key IS NULL")
                                .bind("key", file.key())
                                .bind("sha", file.sha256())
                                .bind("id", row.id())
                                .fetch()
                                .rowsUpdated()
                                .flatMap(updated -> updated == 1 ? Mono.just(true)
                                        : store.delete(file.key()).thenReturn(true))
                                .onErrorResume(error -> store.delete(file.key()).then(Mono.error(error)))))
                .defaultIfEmpty(false);
    }

    private record Row(UUID id, ByteBuffer content) {
    }
}
