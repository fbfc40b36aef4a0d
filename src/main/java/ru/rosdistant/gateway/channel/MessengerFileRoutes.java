package ru.rosdistant.gateway.channel;

import java.nio.ByteBuffer;
import java.util.UUID;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import ru.rosdistant.gateway.card.StaffAccess;
import ru.rosdistant.gateway.files.Downloads;
import ru.rosdistant.gateway.files.FileStore;

/**
 * {@code GET /api/channel/files/{id}}: a file a person sent through a messenger, for logged-in staff (the
 * console's security chain requires a login for {@code /api/**}). Always served as an attachment, never
 * rendered inline, whatever its type claims to be.
 */
@Configuration(proxyBeanMethods = false)
class MessengerFileRoutes {

    private final DatabaseClient db;

    private final StaffAccess staffAccess;

    private final FileStore store;

    MessengerFileRoutes(DatabaseClient db, StaffAccess staffAccess, FileStore store) {
        this.db = db;
        this.staffAccess = staffAccess;
        this.store = store;
    }

    @Bean
    RouterFunction<ServerResponse> messengerFileRoute() {
        return RouterFunctions.route()
                .GET("/api/channel/files/{id}", this::file)
                .build();
    }

    private Mono<ServerResponse> file(ServerRequest request) {
        UUID id;
        try {
            id = UUID.fromString(request.pathVariable("id"));
        }
        catch (IllegalArgumentException ex) {
            return problem(HttpStatus.NOT_FOUND, "No such file");
        }
        UUID fileId = id;
        return staffMayRead(request, fileId)
                .filter(Boolean::booleanValue)
                .flatMap(allowed -> db.sql("SELECT file_name, blocked, size_bytes, storage_key, "
                        + "CASE WHEN storage_key IS NULL THEN content END AS content FROM messenger_file WHERE id = :id")
                .bind("id", fileId)
                .map(row -> new Stored(row.get("file_name", String.class), row.get("storage_key", String.class),
                        row.get("content", ByteBuffer.class), row.get("size_bytes", Long.class) == null ? -1
                                : row.get("size_bytes", Long.class),
                        Boolean.TRUE.equals(row.get("blocked", Boolean.class))))
                .one()
                .flatMap(stored -> stored.blocked()
                        ? problem(HttpStatus.GONE, "Blocked file (size limit): the original is in the messenger")
                        : ServerResponse.ok()
                                .headers(Downloads.attachment(stored.name(), stored.key() != null ? stored.size()
                                        : stored.content().remaining()))
                                .body(BodyInserters.fromDataBuffers(content(stored)))))
                .switchIfEmpty(Mono.defer(() -> problem(HttpStatus.NOT_FOUND, "No such file")));
    }

    /** Staff read the files of the dialogs in their scope only (audited); any other is "no such file". */
    private Mono<Boolean> staffMayRead(ServerRequest request, UUID fileId) {
        return db.sql("SELECT dialog_id FROM messenger_file WHERE id = :id")
                .bind("id", fileId)
                .map(row -> row.get("dialog_id", UUID.class))
                .one()
                .zipWith(request.principal())
                .flatMap(found -> staffAccess.mayReadDialogFiles(found.getT2(), found.getT1(), fileId.toString()))
                .defaultIfEmpty(false);
    }

    /** A file in the store under {@code key}, or (stored by an earlier version, not moved yet) in {@code content}. */
    private record Stored(String name, String key, ByteBuffer content, long size, boolean blocked) {
    }

    private Flux<DataBuffer> content(Stored stored) {
        return stored.key() != null ? store.open(stored.key())
                : Flux.just(DefaultDataBufferFactory.sharedInstance.wrap(stored.content()));
    }

    private static Mono<ServerResponse> problem(HttpStatus status, String detail) {
        return ServerResponse.status(status).bodyValue(ProblemDetail.forStatusAndDetail(status, detail));
    }
}
