package ru.rosdistant.gateway.widget;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.stereotype.Component;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketSession;
import org.springframework.web.util.UriComponentsBuilder;
import ru.rosdistant.gateway.card.CardBinding;
import ru.rosdistant.gateway.card.PortalIdentity;
import ru.rosdistant.gateway.card.Transcripts;
import ru.rosdistant.gateway.dialog.Appended;
import ru.rosdistant.gateway.dialog.Dialog;
import ru.rosdistant.gateway.dialog.DialogException;
import ru.rosdistant.gateway.dialog.DialogManagement;
import ru.rosdistant.gateway.dialog.MessageLatency;
import ru.rosdistant.gateway.dialog.DialogQueries;
import ru.rosdistant.gateway.dialog.DialogState;
import ru.rosdistant.gateway.dialog.Ratings;
import ru.rosdistant.gateway.dialog.Sender;
import ru.rosdistant.gateway.dialog.TypingChanged;
import ru.rosdistant.gateway.dialog.Visitor;
import ru.rosdistant.gateway.dialog.Visitors;
import ru.rosdistant.gateway.routing.AgentPresences;
import ru.rosdistant.gateway.routing.QueueChanged;
import ru.rosdistant.gateway.routing.QueuePositions;
import ru.rosdistant.gateway.live.ErrorCode;
import ru.rosdistant.gateway.live.FrameException;
import ru.rosdistant.gateway.live.SocketFanOut;
import ru.rosdistant.gateway.live.Frames;
import ru.rosdistant.gateway.live.InboundFrame;
import ru.rosdistant.gateway.live.SocketConnection;
import ru.rosdistant.gateway.live.SocketMetrics;
import ru.rosdistant.gateway.live.SocketProperties;
import ru.rosdistant.gateway.shared.LiveEvent;
import ru.rosdistant.gateway.site.Site;
import ru.rosdistant.gateway.site.Sites;
import ru.rosdistant.gateway.site.WorkingCalendar;
import ru.rosdistant.gateway.task.ResultReports;

/** The visitor's socket, {@code /ws/visitor?site=…}; the Origin was checked before the upgrade. */
@Component
class VisitorSocket implements WebSocketHandler {

    private final Sites sites;

    private final Visitors visitors;

    private final DialogManagement dialogs;

    private final MessageLatency latency;
    private final DialogQueries dialogQueries;

    private final SocketFanOut bus;

    private final JsonMapper json;

    private final SocketProperties limits;

    private final SocketMetrics metrics;

    private final WorkingCalendar calendar;

    private final Transcripts transcripts;

    private final QueuePositions positions;

    private final AgentPresences presences;

    private final Ratings ratings;

    private final CardBinding binding;

    private final VisitorLimits clientLimits;

    private final VisitorPresence presence;

    private final ResultReports results;

    VisitorSocket(Sites sites, Visitors visitors, DialogManagement dialogs, DialogQueries dialogQueries,
            SocketFanOut bus, JsonMapper json,
            SocketProperties limits, SocketMetrics metrics, WorkingCalendar calendar, Transcripts transcripts,
            QueuePositions positions,
            AgentPresences presences,
            Ratings ratings, CardBinding binding, VisitorLimits clientLimits, VisitorPresence presence,
            ResultReports results, MessageLatency latency) {
        this.latency = latency;
        this.results = results;
        this.ratings = ratings;
        this.binding = binding;
        this.clientLimits = clientLimits;
        this.presence = presence;
        this.calendar = calendar;
        this.positions = positions;
        this.presences = presences;
        this.transcripts = transcripts;
        this.sites = sites;
        this.visitors = visitors;
        this.dialogs = dialogs;
        this.dialogQueries = dialogQueries;
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
        SocketConnection connection = new SocketConnection(session, json, dialogQueries, bus, limits,
                metrics.visitors(),
                VisitorSocket::agentSide);
        Conversation conversation = new Conversation(site, connection);
        connection.onClose(conversation::gone);
        return connection.run(conversation::handle);
    }

    /** What a visitor hears besides messages: the agent typing. */
    private static Object agentSide(LiveEvent event) {
        if (event instanceof TypingChanged typing && typing.sender() == Sender.AGENT) {
            return Frames.typing(typing.dialogId().toString(), "agent", typing.typing(), typing.name());
        }
        if (event instanceof QueueChanged queue) {
            Map<String, Object> frame = new LinkedHashMap<>();
            frame.put("type", "queue");
            frame.put("dialogId", queue.dialogId());
            frame.put("position", queue.position());
            frame.put("estimatedWaitSeconds", queue.estimatedWaitSeconds());
            frame.put("agentsOnline", queue.agentsOnline());
            return frame;
        }
        return null;
    }

    /** A socket's first message waits for nothing; one completed future for all (only read, never completed). */
    private static final CompletableFuture<Void> NOTHING_HANDED_OVER = CompletableFuture.completedFuture(null);

    /** The state of one visitor connection: who the visitor is, once they said hello. */
    private final class Conversation {

        private final Site site;

        private final SocketConnection connection;

        private final String client;

        private volatile Visitor visitor;

        /** The socket closed (a hello's work may still end after that: it must not count the visitor as there). */
        private boolean ended;

        /**
         * The last message's hand-over to the store; only the frame handler (one frame at a time) reads and sets
         * it.
         */
        private CompletableFuture<Void> handedOver = NOTHING_HANDED_OVER;

        Conversation(Site site, SocketConnection connection) {
            this.site = site;
            this.connection = connection;
            // the connection's own string: one per socket
            this.client = connection.clientAddress();
        }

        /** The socket closed: the visitor has one socket less here. */
        synchronized void gone() {
            ended = true;
            if (visitor != null) {
                presence.disconnected(visitor.id());
            }
        }

        /** The socket now speaks for this visitor (a second hello may change who that is). */
        private synchronized void identify(Visitor identified) {
            Visitor before = visitor;
            // the token goes out once, in the welcome; the socket keeps only who the visitor is
            visitor = new Visitor(identified.id(), identified.siteId(), null, identified.fresh());
            if (!ended) {
                presence.connected(identified.id());
                if (before != null) {
                    presence.disconnected(before.id());
                }
            }
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
                case "result_receipt" -> resultReceipt(frame);
                default -> Mono.error(new FrameException(ErrorCode.UNKNOWN_TYPE,
                        "Unknown frame type '" + frame.type() + "'"));
            };
        }

        private Mono<Void> hello(InboundFrame frame) {
            String token = frame.optionalText("token");
            Mono<Visitor> known = token == null ? Mono.empty() : visitors.byToken(site.id(), token);
            return known
                    .switchIfEmpty(clientLimits.newVisitor(client).then(Mono.defer(() -> {
                        if (token != null) {
                            connection.sendError(ErrorCode.TOKEN_INVALID,
                                    "The visitor token is not valid here; a new one follows", null);
                        }
                        return visitors.register(site.id());
                    })))
                    .flatMap(this::welcome)
                    .onErrorMap(DialogManagement::storageFailure);
        }

        private Mono<Void> welcome(Visitor identified) {
            identify(identified);
            return dialogQueries.dialogsOf(identified, 20)
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
                    // a result reaches the widget through a dialog (its own or another on the same card): a visitor
                    // without one has none, and most hellos are theirs
                    .filter(list -> !list.isEmpty())
                    .flatMapMany(list -> results.pendingForVisitor(identified.id()))
                    .doOnNext(this::sendResult)
                    .then();
        }

        /**
         * Regulation 3, 4.3.2d: the result of the person's request or complaint, with the question whether they
         * received it, on their next visit.
         */
        private void sendResult(ResultReports.Pending pending) {
            Map<String, Object> frame = new LinkedHashMap<>();
            frame.put("type", "result");
            frame.put("resultId", pending.id());
            frame.put("requestNumber", pending.requestNumber());
            frame.put("text", pending.result());
            frame.put("sentAt", pending.sentAt().toString());
            frame.put("question", "Получили ли вы ответ?");
            connection.send(frame);
        }

        /** The visitor answers a result shown to them: received or not, once. */
        private Mono<Void> resultReceipt(InboundFrame frame) {
            UUID resultId = frame.uuid("resultId");
            tools.jackson.databind.JsonNode received = frame.body().get("received");
            if (received == null || !received.isBoolean()) {
                return Mono.error(new FrameException(ErrorCode.INVALID_FIELD, "received: true or false"));
            }
            return results.answerFromVisitor(visitor.id(), resultId, received.asBoolean())
                    .onErrorMap(IllegalStateException.class, answered -> new FrameException(ErrorCode.INVALID_FIELD,
                            "This result was answered otherwise already"))
                    .switchIfEmpty(Mono.error(() -> new FrameException(ErrorCode.INVALID_FIELD,
                            "resultId: no such result of yours")))
                    .onErrorMap(DialogManagement::storageFailure)
                    .doOnNext(answer -> {
                        Map<String, Object> answered = new LinkedHashMap<>();
                        answered.put("type", "result_received");
                        answered.put("resultId", resultId);
                        if (frame.ref() != null) {
                            answered.put("ref", frame.ref());
                        }
                        answered.put("answer", answer);
                        connection.send(answered);
                    })
                    .then();
        }

        /**
         * Opens (or rejoins) the visitor's dialog. A portal identity that does not hold is answered with an
         * {@code IDENTITY_INVALID} error frame and the dialog opens unverified: the visitor can still talk,
         * and the typed contacts bind to no existing card.
         */
        private Mono<Void> open(InboundFrame frame) {
            PortalIdentity identity;
            try {
                identity = IdentitySignatures.verify(site, frame.body().get("identity"));
            }
            catch (FrameException refused) {
                connection.sendError(refused.code(), refused.getMessage(), frame.ref());
                identity = null;
            }
            String name = limited(identity != null && identity.name() != null ? identity.name()
                    : frame.optionalText("name"), 200);
            // a verified identity's e-mail, else the one the host page gave, is the dialog's transcript address
            String email = address(identity != null && identity.email() != null ? identity.email()
                    : frame.optionalText("email"));
            return binding.rememberIdentity(visitor.id(), identity)
                    .onErrorMap(DialogManagement::storageFailure)
                    .then(dialogQueries.openDialogOf(visitor, site).hasElement())
                    .flatMap(hasOne -> hasOne ? dialogs.open(visitor, site, name, email, false) : openNew(name, email))
                    .doOnNext(dialog -> {
                        connection.send(Map.of("type", "opened", "dialog", Frames.dialog(dialog, false, null), "line",
                                lineHours()));
                        if (!connection.follows(dialog.id())) {
                            connection.follow(dialog.id(), 0);
                        }
                        repeatPosition(dialog);
                    })
                    .flatMap(this::offlineOutsideHours)
                    .then();
        }

        /** A new dialog, within what the client address may open. */
        private Mono<Dialog> openNew(String name, String email) {
            clientLimits.reserveDialog(client);
            return dialogs.open(visitor, site, name, email, positions.queuesOnOpen(site.line()))
                    .doOnNext(dialog -> clientLimits.opened(client, dialog.id()))
                    .doOnError(error -> clientLimits.release(client));
        }

        /** A waiting dialog's place in the line, told again now that this socket follows it. */
        private void repeatPosition(Dialog dialog) {
            if (dialog.state() == DialogState.WAITING) {
                positions.repeatPosition(dialog.id(), dialog.lineId());
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
            boolean open = calendar.isOpen(site.line(), now);
            line.put("open", open);
            // in working hours with nobody of the line online the widget offers the form at once (and waiting)
            line.put("agentsOnline", presences.agentsOnline(site.line()));
            line.put("nextOpening", calendar.nextOpening(site.line(), now).map(ZonedDateTime::toOffsetDateTime)
                    .orElse(null));
            return line;
        }

        private Mono<Void> message(InboundFrame frame) {
            UUID dialogId = frame.uuid("dialogId");
            String clientMsgId = Frames.checkedClientMsgId(frame);
            String text = Frames.checkedText(frame, limits.maxTextLength());
            // the dialog's rate may be answered by Redis (several nodes), the answers of two messages in another
            // order than they were asked (a timeout, a fall-back to the local bucket): each message is handed to the
            // store only after the one before it, which keeps the order the socket sent them in. Checks themselves
            // run side by side, and a message does not wait for the one before it to be stored
            CompletableFuture<Void> previous = handedOver;
            CompletableFuture<Void> mine = new CompletableFuture<>();
            handedOver = mine;
            Mono<Appended> stored = clientLimits.message(client, dialogId)
                    .then(Mono.fromFuture(previous, true))
                    .then(Mono.<Appended>create(sink -> {
                        // subscribing hands the message over (AppendBatches), synchronously; then the next may go
                        sink.onDispose(dialogs.appendFromVisitor(visitor, dialogId, clientMsgId, text)
                                .subscribe(sink::success, sink::error, sink::success));
                        mine.complete(null);
                    }))
                    // refused, failed or cancelled before it was handed over: the next one goes after the previous
                    .doFinally(signal -> previous.thenRun(() -> mine.complete(null)));
            return latency.timed("WIDGET", stored)
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
            return dialogQueries.findOfVisitor(visitor, dialogId)
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

        /**
         * The visitor asks for a copy of a dialog of theirs by e-mail. It goes only to the one address given in the
         * dialog while it was open (in {@code open}, or in this request then); a request while the dialog is open
         * is mailed when it closes, through the outbox, at most once per dialog.
         */
        private Mono<Void> transcript(InboundFrame frame) {
            UUID dialogId = frame.uuid("dialogId");
            String given = frame.optionalText("email");
            String email = address(given);
            if (given != null && !given.isBlank() && email == null) {
                return Mono.error(new FrameException(ErrorCode.INVALID_FIELD, "email: not a valid e-mail address"));
            }
            clientLimits.transcript(client);
            return dialogs.requestTranscript(visitor, dialogId, email)
                    .switchIfEmpty(Mono.error(() -> new FrameException(ErrorCode.UNKNOWN_DIALOG,
                            "No such dialog, or not yours")))
                    .flatMap(decision -> switch (decision.outcome()) {
                        case OTHER_ADDRESS -> Mono.error(new FrameException(ErrorCode.TRANSCRIPT_ADDRESS,
                                "The transcript goes only to the e-mail address given in this dialog"));
                        case NO_ADDRESS -> Mono.error(new FrameException(ErrorCode.TRANSCRIPT_ADDRESS,
                                "No e-mail address was given in this dialog before it closed"));
                        case MAIL_NOW -> transcripts.mailCopy(dialogId, decision.email()).thenReturn(decision);
                        case PENDING -> Mono.just(decision);
                    })
                    .onErrorMap(DialogManagement::storageFailure)
                    .doOnNext(decision -> {
                        Map<String, Object> queued = new LinkedHashMap<>();
                        queued.put("type", "transcript_queued");
                        queued.put("dialogId", dialogId);
                        if (frame.ref() != null) {
                            queued.put("ref", frame.ref());
                        }
                        queued.put("email", decision.email());
                        queued.put("pending", decision.outcome() == DialogManagement.TranscriptDecision.Outcome.PENDING);
                        connection.send(queued);
                    })
                    .then();
        }

        /** A well-formed e-mail address in lower case, or null. */
        private static String address(String value) {
            if (value == null) {
                return null;
            }
            String email = value.strip();
            if (email.length() > 254 || !email.matches("[^@\\s]+@[^@\\s]+\\.[^@\\s]+")) {
                return null;
            }
            return email.toLowerCase(Locale.ROOT);
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
