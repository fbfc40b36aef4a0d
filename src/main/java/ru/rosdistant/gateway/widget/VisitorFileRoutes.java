package ru.rosdistant.gateway.widget;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

import reactor.core.publisher.Mono;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.cors.reactive.CorsWebFilter;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.WebFilter;
import ru.rosdistant.gateway.card.StaffAccess;
import ru.rosdistant.gateway.dialog.Appended;
import ru.rosdistant.gateway.dialog.DialogException;
import ru.rosdistant.gateway.dialog.DialogQueries;
import ru.rosdistant.gateway.dialog.Visitor;
import ru.rosdistant.gateway.dialog.Visitors;
import ru.rosdistant.gateway.files.Downloads;
import ru.rosdistant.gateway.files.FileProperties;
import ru.rosdistant.gateway.files.FileTooLargeException;
import ru.rosdistant.gateway.files.NoUploadSlotException;
import ru.rosdistant.gateway.files.UploadSlots;
import ru.rosdistant.gateway.live.Frames;
import ru.rosdistant.gateway.site.Site;
import ru.rosdistant.gateway.site.Sites;
import ru.rosdistant.gateway.shared.StorageOutage;

/**
 * Files in widget dialogs.
 * <ul>
 * <li>{@code POST /api/widget/files?site&dialogId&clientMsgId&name}, the raw file as the body, the visitor
 * token as {@code Authorization: Bearer}: streams it into the file store and attaches it to the visitor's open
 * dialog (201 and an ack). 413 over 16 MB or past a byte quota, before the body is read when Content-Length tells,
 * else as soon as the body passes it; 429 past a quota of files (per dialog, visitor, client address); 503 with
 * {@code Retry-After} when the node receives as many uploads as it takes at once.</li>
 * <li>{@code GET /api/widget/files?site&dialogId&clientMsgId} with the same token: the visitor's own file.</li>
 * <li>{@code GET /api/dialogs/{dialogId}/files/{clientMsgId}}: the file for logged-in staff (the security
 * chain requires a login for {@code /api/**} outside {@code /api/widget/**}).</li>
 * </ul>
 * Files are always served as attachments, never rendered inline, whatever their type claims to be.
 */
@Configuration(proxyBeanMethods = false)
class VisitorFileRoutes {

    static final String PATH = "/api/widget/files";

    private final VisitorFiles files;

    private final Visitors visitors;

    private final DialogQueries dialogs;

    private final Sites sites;

    private final StaffAccess staffAccess;

    private final UploadSlots slots;

    private final FileProperties properties;

    VisitorFileRoutes(VisitorFiles files, Visitors visitors, DialogQueries dialogs, Sites sites,
            StaffAccess staffAccess, UploadSlots slots, FileProperties properties) {
        this.staffAccess = staffAccess;
        this.files = files;
        this.visitors = visitors;
        this.dialogs = dialogs;
        this.sites = sites;
        this.slots = slots;
        this.properties = properties;
    }

    @Bean
    RouterFunction<ServerResponse> visitorFileRouter() {
        return RouterFunctions.route()
                .POST(PATH, this::upload)
                .GET(PATH, this::visitorDownload)
                .GET("/api/dialogs/{dialogId}/files/{clientMsgId}", this::staffDownload)
                .build();
    }

    /**
     * CORS for the file endpoints only (the widget calls them from the host site's page, with a token header,
     * so the browser asks first); any other path passes untouched, so other CORS filters keep their own.
     */
    @Bean
    @Order(-301)
    WebFilter visitorFileCors() {
        CorsConfiguration allowed = new CorsConfiguration();
        allowed.setAllowedOrigins(sites.all().stream().map(Site::allowedOrigins).flatMap(List::stream).distinct().toList());
        allowed.setAllowedMethods(List.of(HttpMethod.POST.name(), HttpMethod.GET.name()));
        allowed.setAllowedHeaders(List.of(HttpHeaders.CONTENT_TYPE, HttpHeaders.AUTHORIZATION));
        allowed.setExposedHeaders(List.of(HttpHeaders.CONTENT_DISPOSITION));
        allowed.setMaxAge(3600L);
        CorsWebFilter cors = new CorsWebFilter(exchange -> allowed);
        return (exchange, chain) -> exchange.getRequest().getPath().value().equals(PATH)
                ? cors.filter(exchange, chain) : chain.filter(exchange);
    }

    private Mono<ServerResponse> upload(ServerRequest request) {
        Target target = target(request);
        String name = cleanName(request.queryParam("name").orElse(null));
        if (target == null || name == null) {
            return problem(HttpStatus.BAD_REQUEST, "site, dialogId, clientMsgId (1-64 characters) and name "
                    + "(1-255 characters) are required");
        }
        String origin = request.headers().firstHeader(HttpHeaders.ORIGIN);
        if (origin != null && !sites.originAllowed(target.site(), origin, request.uri())) {
            return problem(HttpStatus.FORBIDDEN, "This page may not attach files to the site's dialogs");
        }
        long declared = request.headers().contentLength().orElse(-1);
        if (declared > VisitorFiles.MAX_BYTES) {
            return tooLarge();
        }
        String type = request.headers().contentType().map(MediaType::toString).orElse("application/octet-stream");
        VisitorFiles.Upload upload = new VisitorFiles.Upload(target.dialogId(), target.clientMsgId(), name,
                type.length() > 255 ? "application/octet-stream" : type, clientAddress(request));
        return visitor(request, target)
                .flatMap(visitor -> openDialog(visitor, target)
                        .then(files.retried(visitor, upload)
                                .switchIfEmpty(Mono.defer(() -> store(request, visitor, upload, declared)))))
                .flatMap(appended -> ServerResponse.status(HttpStatus.CREATED)
                        .bodyValue(Frames.ack(appended.message(), appended.duplicate())))
                .onErrorResume(VisitorFiles.QuotaExceeded.class, ex -> problem(ex.status(), ex.getMessage()))
                .onErrorResume(FileTooLargeException.class, ex -> tooLarge())
                .onErrorResume(NoUploadSlotException.class, ex -> busy(ex.getMessage()))
                .onErrorResume(TimeoutException.class, ex -> problem(HttpStatus.REQUEST_TIMEOUT, "The upload took "
                        + "longer than " + properties.uploadTimeout().toSeconds() + " s and was dropped"))
                .onErrorResume(NoVisitor.class, ex -> problem(HttpStatus.UNAUTHORIZED, ex.getMessage()))
                .onErrorResume(DialogException.class, VisitorFileRoutes::refused)
                .onErrorResume(StorageOutage::is, ex -> busy("The gateway cannot store files right now"));
    }

    /**
     * Streams the body into the store within the room the quotas leave, holding one of the node's upload slots
     * meanwhile; a refusal by a quota or for want of a slot comes before anything is read.
     */
    private Mono<Appended> store(ServerRequest request, Visitor visitor, VisitorFiles.Upload upload, long declared) {
        return files.room(visitor, upload)
                .flatMap(room -> declared > room.bytes()
                        ? Mono.error(new VisitorFiles.QuotaExceeded(HttpStatus.CONTENT_TOO_LARGE, room.refusal()))
                        : slots.within(upload.clientAddress(), files.attach(visitor, upload,
                                        request.bodyToFlux(DataBuffer.class), room.bytes())
                                .onErrorMap(FileTooLargeException.class, ex -> room.bytes() < VisitorFiles.MAX_BYTES
                                        ? new VisitorFiles.QuotaExceeded(HttpStatus.CONTENT_TOO_LARGE, room.refusal())
                                        : ex)));
    }

    /** The client's address as every per-client limit takes it (trusted proxies resolved). */
    private static String clientAddress(ServerRequest request) {
        return ru.rosdistant.gateway.web.ClientAddress.of(request.exchange().getRequest());
    }

    private Mono<ServerResponse> visitorDownload(ServerRequest request) {
        Target target = target(request);
        if (target == null) {
            return problem(HttpStatus.BAD_REQUEST, "site, dialogId and clientMsgId are required");
        }
        return visitor(request, target)
                .flatMap(visitor -> files.find(target.dialogId(), target.clientMsgId(), visitor.id())
                        .flatMap(this::serve)
                        .switchIfEmpty(Mono.defer(() -> problem(HttpStatus.NOT_FOUND, "No such file"))))
                .onErrorResume(NoVisitor.class, ex -> problem(HttpStatus.UNAUTHORIZED, ex.getMessage()));
    }

    private Mono<ServerResponse> staffDownload(ServerRequest request) {
        UUID dialogId = uuid(request.pathVariable("dialogId"));
        if (dialogId == null) {
            return problem(HttpStatus.NOT_FOUND, "No such file");
        }
        return staffMayRead(request, dialogId)
                .filter(Boolean::booleanValue)
                .flatMap(allowed -> files.find(dialogId, request.pathVariable("clientMsgId"), null))
                .flatMap(this::serve)
                .switchIfEmpty(Mono.defer(() -> problem(HttpStatus.NOT_FOUND, "No such file")));
    }

    /** Staff read the files of the dialogs in their scope only (audited); any other is "no such file". */
    private Mono<Boolean> staffMayRead(ServerRequest request, UUID dialogId) {
        return request.principal()
                .flatMap(principal -> staffAccess.mayReadDialogFiles(principal, dialogId,
                        request.pathVariable("clientMsgId")))
                .defaultIfEmpty(false);
    }

    private record Target(Site site, UUID dialogId, String clientMsgId) {
    }

    private Target target(ServerRequest request) {
        Site site = request.queryParam("site").flatMap(sites::site).orElse(null);
        UUID dialogId = uuid(request.queryParam("dialogId").orElse(null));
        String clientMsgId = request.queryParam("clientMsgId").orElse("");
        return site == null || dialogId == null || clientMsgId.isEmpty() || clientMsgId.length() > 64 ? null
                : new Target(site, dialogId, clientMsgId);
    }

    /** The visitor of the bearer token on the site, or a 401 as an error. */
    private Mono<Visitor> visitor(ServerRequest request, Target target) {
        String header = request.headers().firstHeader(HttpHeaders.AUTHORIZATION);
        String token = header != null && header.startsWith("Bearer ") ? header.substring(7).trim() : null;
        return visitors.byToken(target.site().id(), token)
                .switchIfEmpty(Mono.error(NoVisitor::new));
    }

    /** No token, or one that is unknown, forged or of another site. */
    private static final class NoVisitor extends RuntimeException {

        NoVisitor() {
            super("A visitor token (Authorization: Bearer) of this site is required", null, false, false);
        }
    }

    private Mono<ru.rosdistant.gateway.dialog.Dialog> openDialog(Visitor visitor, Target target) {
        return dialogs.findOfVisitor(visitor, target.dialogId())
                .switchIfEmpty(Mono.error(() -> new DialogException(DialogException.Reason.UNKNOWN_DIALOG,
                        "No such dialog, or not yours")))
                .filter(dialog -> !dialog.isClosed())
                .switchIfEmpty(Mono.error(() -> new DialogException(DialogException.Reason.DIALOG_CLOSED,
                        "The dialog is closed")));
    }

    private Mono<ServerResponse> serve(VisitorFiles.Stored stored) {
        return ServerResponse.ok()
                .headers(Downloads.attachment(stored.name(), stored.size()))
                .body(BodyInserters.fromDataBuffers(files.content(stored)));
    }

    private static Mono<ServerResponse> refused(DialogException ex) {
        return switch (ex.reason()) {
            case UNKNOWN_DIALOG -> problem(HttpStatus.NOT_FOUND, ex.getMessage());
            case DIALOG_CLOSED -> problem(HttpStatus.CONFLICT, ex.getMessage());
            case FORBIDDEN -> problem(HttpStatus.FORBIDDEN, ex.getMessage());
            case STORAGE_UNAVAILABLE -> problem(HttpStatus.SERVICE_UNAVAILABLE, ex.getMessage());
        };
    }

    private Mono<ServerResponse> busy(String detail) {
        return ServerResponse.status(HttpStatus.SERVICE_UNAVAILABLE)
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .header(HttpHeaders.RETRY_AFTER, String.valueOf(Math.max(1, properties.retryAfter().toSeconds())))
                .bodyValue(ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, detail));
    }

    private static Mono<ServerResponse> tooLarge() {
        return problem(HttpStatus.CONTENT_TOO_LARGE, "The file is larger than 16 MB (16,777,216 bytes) and is "
                + "not accepted; send a link to it instead");
    }

    /** The name without any path, control characters or surrounding space; null when nothing is left. */
    static String cleanName(String name) {
        if (name == null) {
            return null;
        }
        String base = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1)
                .replaceAll("\\p{Cntrl}", "")
                .strip();
        return base.isEmpty() || base.length() > 255 ? null : base;
    }

    private static UUID uuid(String value) {
        try {
            return value == null ? null : UUID.fromString(value);
        }
        catch (IllegalArgumentException ex) {
            return null;
        }
    }

    private static Mono<ServerResponse> problem(HttpStatus status, String detail) {
        return ServerResponse.status(status)
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .bodyValue(ProblemDetail.forStatusAndDetail(status, detail));
    }
}
