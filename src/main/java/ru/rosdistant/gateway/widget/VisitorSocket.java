package ru.rosdistant.gateway.widget;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.stereotype.Component;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketSession;
import org.springframework.web.util.UriComponentsBuilder;
import ru.rosdistant.gateway.card.Transcripts;
import ru.rosdistant.gateway.dialog.Dialog;
import ru.rosdistant.gateway.dialog.DialogBus;
import ru.rosdistant.gateway.dialog.DialogEvent;
import ru.rosdistant.gateway.dialog.DialogException;
import ru.rosdistant.gateway.dialog.DialogManagement;
import ru.rosdistant.gateway.dialog.DialogState;
import ru.rosdistant.gateway.dialog.Ratings;
import ru.rosdistant.gateway.dialog.Sender;
import ru.rosdistant.gateway.dialog.Visitor;
import ru.rosdistant.gateway.dialog.Visitors;
import ru.rosdistant.gateway.routing.AgentRouting;
import ru.rosdistant.gateway.shared.ErrorCode;
import ru.rosdistant.gateway.shared.FrameException;
import ru.rosdistant.gateway.shared.Frames;
import ru.rosdistant.gateway.shared.InboundFrame;
import ru.rosdistant.gateway.shared.SocketConnection;
import ru.rosdistant.gateway.shared.SocketMetrics;
import ru.rosdistant.gateway.shared.SocketProperties;
import ru.rosdistant.gateway.site.Site;
import ru.rosdistant.gateway.site.Sites;
import ru.rosdistant.gateway.site.WorkingCalendar;

/** The visitor's socket, {@code /ws/visitor?site=…}; the Origin was checked before the upgrade. */
@Component
class VisitorSocket implements WebSocketHandler {

    private final Sites sites;

    private final Visitors visitors;

    private final DialogManagement dialogs;

    private final DialogBus bus;

    private final JsonMapper json;

    private final SocketProperties limits;

    private final SocketMetrics metrics;

    private final WorkingCalendar calendar;

    private final Transcripts transcripts;

    private final AgentRouting routing;

    private final Ratings ratings;

    VisitorSocket(Sites sites, Visitors visitors, DialogManagement dialogs, DialogBus bus, JsonMapper json,
            SocketProperties limits, SocketMetrics metrics, WorkingCalendar calendar, Transcripts transcripts, AgentRouting routing,
            Ratings ratings) {
        this.ratings = ratings;
        this.calendar = calendar;
        this.routing = routing;
        this.transcripts = transcripts;
        this.sites = sites;
        this.visitors = visitors;
        this.dialogs = dialogs;
        this.bus = bus;
        this.json = json;
        this.limits = limits;
        this.metrics = metrics;
    }

    @Override
    public Mono<Void> handle(WebSocketSession session) {
        String siteId = UriComponentsBuilder.fromUri(session.getHandshakeInfo().getUri())
                .build()
                .getQueryParams()
                .getFirst("site");
        Site site = sites.site(siteId).orElseThrow();
        SocketConnection connection = new SocketConnection(session, json, dialogs, bus, limits, metrics.visitors(),
                VisitorSocket::agentSide);
        Conversation conversation = new Conversation(site, connection);
        return connection.run(conversation::handle);
    }

    /** What a visitor hears besides messages: the agent typing. */
    private static Object agentSide(DialogEvent event) {
        if (event instanceof DialogEvent.TypingChanged typing && typing.sender() == Sender.AGENT) {
            return Frames.typing(typing.dialogId().toString(), "agent", typing.typing(), typing.name());
        }
        if (event instanceof DialogEvent.QueueChanged queue) {
            return Map.of("type", "queue", "dialogId", queue.dialogId(), "position", queue.position(),
                    "estimatedWaitSeconds", queue.estimatedWaitSeconds());
        }
        return null;
    }

    /** The state of one visitor connection: who the visitor is, once they said hello. */
    private final class Conversation {

        private final Site site;

        private final SocketConnection connection;

        private volatile Visitor visitor;

        Conversation(Site site, SocketConnection connection) {
            this.site = site;
            this.connection = connection;
        }

        Mono<Void> handle(InboundFrame frame) {
            if (frame.type().equals("hello")) {
                connection.identified();
                return hello(frame);
            }
            if (visitor == null) {
                return Mono.error(new FrameException(ErrorCode.NOT_READY, "Send 'hello' first"));
            }
            return switch (frame.type()) {
                case "open" -> open(frame);
                case "message" -> message(frame);
                case "typing" -> typing(frame);
                case "resume" -> resume(frame);
                case "close" -> close(frame);
                case "transcript" -> transcript(frame);
                case "rate" -> rate(frame);
                default -> Mono.error(new FrameException(ErrorCode.UNKNOWN_TYPE,
                        "Unknown frame type '" + frame.type() + "'"));
            };
        }

        private Mono<Void> hello(InboundFrame frame) {
            String token = frame.optionalText("token");
            Mono<Visitor> known = token == null ? Mono.empty() : visitors.byToken(site.id(), token);
            return known
                    .switchIfEmpty(Mono.defer(() -> {
                        if (token != null) {
                            connection.sendError(ErrorCode.TOKEN_INVALID,
                                    "The visitor token is not valid here; a new one follows", null);
                        }
                        return visitors.register(site.id());
                    }))
                    .flatMap(this::welcome)
                    .onErrorMap(DialogManagement::storageFailure);
        }

        private Mono<Void> welcome(Visitor identified) {
            visitor = identified;
            return dialogs.dialogsOf(identified, 20)
                    .map(dialog -> Frames.dialog(dialog, false, null))
                    .collectList()
                    .doOnNext(list -> {
                        Map<String, Object> frame = new LinkedHashMap<>();
                        frame.put("type", "welcome");
                        frame.put("token", identified.token());
                        frame.put("visitorId", identified.id());
                        frame.put("site", site.id());
                        frame.put("line", lineHours());
                        frame.put("dialogs", list);
                        connection.send(frame);
                    })
                    .then();
        }

        private Mono<Void> open(InboundFrame frame) {
            String name = limited(frame.optionalText("name"), 200);
            String email = limited(frame.optionalText("email"), 254);
            return dialogs.open(visitor, site, name, email)
                    .doOnNext(dialog -> {
                        connection.send(Map.of("type", "opened", "dialog", Frames.dialog(dialog, false, null)));
                        if (!connection.follows(dialog.id())) {
                            connection.follow(dialog.id(), 0);
                        }
                        repeatPosition(dialog);
                    })
                    .flatMap(this::offlineOutsideHours)
                    .then();
        }

        /** A waiting dialog's place in the line, told again now that this socket follows it. */
        private void repeatPosition(Dialog dialog) {
            if (dialog.state() == DialogState.WAITING) {
                routing.repeatPosition(dialog.id(), dialog.lineId());
            }
        }

        /** Outside the line's working hours the visitor is offered the offline form at once. */
        private Mono<Boolean> offlineOutsideHours(Dialog dialog) {
            if (dialog.state() != DialogState.WAITING || calendar.isOpen(dialog.lineId(), Instant.now())) {
                return Mono.just(false);
            }
            return dialogs.offerOfflineForm(dialog.id(), "hours");
        }

        private Map<String, Object> lineHours() {
            Instant now = Instant.now();
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("id", site.line());
            line.put("open", calendar.isOpen(site.line(), now));
            line.put("nextOpening", calendar.nextOpening(site.line(), now).map(ZonedDateTime::toOffsetDateTime)
                    .orElse(null));
            return line;
        }

        private Mono<Void> message(InboundFrame frame) {
            UUID dialogId = frame.uuid("dialogId");
            String clientMsgId = Frames.checkedClientMsgId(frame);
            String text = Frames.checkedText(frame, limits.maxTextLength());
            return dialogs.appendFromVisitor(visitor, dialogId, clientMsgId, text)
                    .doOnNext(appended -> {
                        connection.countIn();
                        connection.send(Frames.ack(appended.message(), appended.duplicate()));
                    })
                    .then();
        }

        private Mono<Void> typing(InboundFrame frame) {
            UUID dialogId = frame.uuid("dialogId");
            boolean typing = frame.bool("typing");
            if (!connection.follows(dialogId)) {
                return Mono.error(new DialogException(DialogException.Reason.UNKNOWN_DIALOG,
                        "Open or resume the dialog first"));
            }
            dialogs.typing(dialogId, Sender.VISITOR, typing, null);
            return Mono.empty();
        }

        private Mono<Void> resume(InboundFrame frame) {
            UUID dialogId = frame.uuid("dialogId");
            long lastSeq = frame.nonNegativeLong("lastSeq");
            return dialogs.findOfVisitor(visitor, dialogId)
                    .switchIfEmpty(Mono.error(() -> new DialogException(DialogException.Reason.UNKNOWN_DIALOG,
                            "No such dialog, or not yours")))
                    .doOnNext(dialog -> {
                        connection.follow(dialogId, lastSeq);
                        repeatPosition(dialog);
                    })
                    .onErrorMap(DialogManagement::storageFailure)
                    .then();
        }

        private Mono<Void> close(InboundFrame frame) {
            return dialogs.close(frame.uuid("dialogId"), Sender.VISITOR, visitor.id(), null)
                    .onErrorMap(DialogManagement::storageFailure)
                    .then();
        }

        /** The visitor asks for a copy of a closed dialog of theirs by e-mail; it goes through the outbox. */
        private Mono<Void> transcript(InboundFrame frame) {
            UUID dialogId = frame.uuid("dialogId");
            String email = frame.text("email").strip();
            if (email.length() > 254 || !email.matches("[^@\\s]+@[^@\\s]+\\.[^@\\s]+")) {
                return Mono.error(new FrameException(ErrorCode.INVALID_FIELD, "email: not a valid e-mail address"));
            }
            return dialogs.findOfVisitor(visitor, dialogId)
                    .switchIfEmpty(Mono.error(() -> new FrameException(ErrorCode.UNKNOWN_DIALOG,
                            "No such dialog, or not yours")))
                    .filter(Dialog::isClosed)
                    .switchIfEmpty(Mono.error(() -> new FrameException(ErrorCode.FORBIDDEN,
                            "A transcript is sent once the dialog is closed")))
                    .flatMap(dialog -> transcripts.mailCopy(dialogId, email.toLowerCase(java.util.Locale.ROOT)))
                    .onErrorMap(DialogManagement::storageFailure)
                    .then(Mono.fromRunnable(() -> {
                        Map<String, Object> queued = new LinkedHashMap<>();
                        queued.put("type", "transcript_queued");
                        queued.put("dialogId", dialogId);
                        if (frame.ref() != null) {
                            queued.put("ref", frame.ref());
                        }
                        connection.send(queued);
                    }));
        }

        /** The visitor rates a closed dialog of theirs: 1 to 5 stars and an optional comment, once. */
        private Mono<Void> rate(InboundFrame frame) {
            UUID dialogId = frame.uuid("dialogId");
            tools.jackson.databind.JsonNode stars = frame.body().get("rating");
            if (stars == null || stars.isNull()) {
                return Mono.error(new FrameException(ErrorCode.MISSING_FIELD,
                        "'rating' must be a whole number from 1 to 5"));
            }
            if (!stars.isIntegralNumber() || !stars.canConvertToInt() || stars.asInt() < 1 || stars.asInt() > 5) {
                return Mono.error(new FrameException(ErrorCode.INVALID_FIELD, "rating: a whole number from 1 to 5"));
            }
            tools.jackson.databind.JsonNode note = frame.body().get("comment");
            String comment = null;
            if (note != null && !note.isNull()) {
                if (!note.isString() || note.asString().strip().length() > Ratings.MAX_COMMENT) {
                    return Mono.error(new FrameException(ErrorCode.INVALID_FIELD,
                            "comment: text of at most " + Ratings.MAX_COMMENT + " characters"));
                }
                comment = note.asString().isBlank() ? null : note.asString().strip();
            }
            return ratings.rate(visitor, dialogId, stars.asInt(), comment)
                    .onErrorMap(DialogManagement::storageFailure)
                    .doOnNext(stored -> {
                        Map<String, Object> rated = new LinkedHashMap<>();
                        rated.put("type", "rated");
                        rated.put("dialogId", dialogId);
                        if (frame.ref() != null) {
                            rated.put("ref", frame.ref());
                        }
                        rated.put("duplicate", !stored);
                        connection.send(rated);
                    })
                    .then();
        }

        private static String limited(String value, int max) {
            if (value == null || value.isBlank()) {
                return null;
            }
            String trimmed = value.strip();
            return trimmed.length() > max ? trimmed.substring(0, max) : trimmed;
        }
    }
}
