package ru.rosdistant.gateway.console;

import java.time.LocalDate;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.stereotype.Component;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketSession;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentAccount;
import ru.rosdistant.gateway.agent.CurrentAccounts;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;
import ru.rosdistant.gateway.dialog.AppealType;
import ru.rosdistant.gateway.dialog.Classification;
import ru.rosdistant.gateway.dialog.ComplaintAddressee;
import ru.rosdistant.gateway.dialog.Dialog;
import ru.rosdistant.gateway.dialog.DialogChanged;
import ru.rosdistant.gateway.dialog.DialogException;
import ru.rosdistant.gateway.dialog.DialogManagement;
import ru.rosdistant.gateway.dialog.MessageLatency;
import ru.rosdistant.gateway.dialog.DialogForwarded;
import ru.rosdistant.gateway.dialog.DialogForwarding;
import ru.rosdistant.gateway.dialog.DialogQueries;
import ru.rosdistant.gateway.dialog.DialogRead;
import ru.rosdistant.gateway.dialog.DialogRequeued;
import ru.rosdistant.gateway.dialog.Sender;
import ru.rosdistant.gateway.dialog.Triage;
import ru.rosdistant.gateway.dialog.TypingChanged;
import ru.rosdistant.gateway.routing.AgentPresences;
import ru.rosdistant.gateway.routing.OfferGoneException;
import ru.rosdistant.gateway.routing.OfferRounds;
import ru.rosdistant.gateway.routing.OfferWithdrawn;
import ru.rosdistant.gateway.routing.Offered;
import ru.rosdistant.gateway.routing.Presence;
import ru.rosdistant.gateway.live.ErrorCode;
import ru.rosdistant.gateway.live.FrameException;
import ru.rosdistant.gateway.live.Frames;
import ru.rosdistant.gateway.live.InboundFrame;
import ru.rosdistant.gateway.live.SocketConnection;
import ru.rosdistant.gateway.live.SocketFanOut;
import ru.rosdistant.gateway.live.SocketMetrics;
import ru.rosdistant.gateway.live.SocketProperties;
import ru.rosdistant.gateway.shared.LiveEvent;
import ru.rosdistant.gateway.site.Site;
import ru.rosdistant.gateway.site.Sites;
import ru.rosdistant.gateway.task.PersonWroteAgain;
import ru.rosdistant.gateway.task.TicketDesk;
import ru.rosdistant.gateway.task.TicketDeskUnavailable;
import ru.rosdistant.gateway.triage.DispatcherTriage;

/**
 * The agent's socket, {@code /ws/agent}: only for a logged-in, enabled agent (security checked the session). It is
 * closed when that session ends or the agent is changed ({@link OpenAgentSockets}).
 */
@Component
class AgentSocket implements WebSocketHandler {

    private final AgentDirectory agents;

    private final DialogManagement dialogs;

    private final MessageLatency latency;
    private final DialogForwarding forwarding;

    private final DialogQueries dialogQueries;

    private final SocketFanOut bus;

    private final AgentPresences presences;

    private final OfferRounds offers;

    private final DispatcherTriage triage;

    private final Sites sites;

    private final JsonMapper json;

    private final SocketProperties limits;

    private final SocketMetrics metrics;

    private final CurrentAccounts accounts;

    private final OpenAgentSockets open;

    private final TicketDesk ticketDesk;

    AgentSocket(AgentDirectory agents, CurrentAccounts accounts, OpenAgentSockets open, DialogManagement dialogs,
            DialogForwarding forwarding, DialogQueries dialogQueries,
            SocketFanOut bus,
            AgentPresences presences, OfferRounds offers, DispatcherTriage triage, Sites sites, JsonMapper json,
            SocketProperties limits,
            SocketMetrics metrics, TicketDesk ticketDesk, MessageLatency latency) {
        this.latency = latency;
        this.ticketDesk = ticketDesk;
        this.accounts = accounts;
        this.open = open;
        this.triage = triage;
        this.agents = agents;
        this.dialogs = dialogs;
        this.forwarding = forwarding;
        this.dialogQueries = dialogQueries;
        this.bus = bus;
        this.presences = presences;
        this.offers = offers;
        this.sites = sites;
        this.json = json;
        this.limits = limits;
        this.metrics = metrics;
    }

    @Override
    public Mono<Void> handle(WebSocketSession session) {
        return session.getHandshakeInfo()
                .getPrincipal()
                .flatMap(principal -> {
                    OpenAgentSockets.Open socket = open.opened(principal, session);
                    // read after the socket is known: a change made before shows here, one made after closes it
                    return accounts.current(principal.getName())
                            .filter(socket::counts)
                            .map(AgentAccount::agent)
                            .doOnNext(socket::serving)
                            .flatMap(agent -> serve(session, agent, socket))
                            .doFinally(signal -> open.closed(socket));
                })
                .switchIfEmpty(Mono.defer(() -> session.close(CloseStatus.POLICY_VIOLATION.withReason("not an agent"))));
    }

    private Mono<Void> serve(WebSocketSession session, Agent agent, OpenAgentSockets.Open socket) {
        Desk desk = new Desk(agent);
        SocketConnection connection = new SocketConnection(session, json, dialogQueries, bus, limits, metrics.agents(),
                desk::otherEvent);
        desk.connection = connection;
        socket.telling(connection::send);
        // the agent's login was checked before the upgrade: there is no hello to wait for
        connection.identified();
        presences.connected(agent);
        Disposable personal = bus.followAgent(agent.id(), connection);
        connection.onClose(personal::dispose);
        connection.onClose(() -> presences.disconnected(agent.id()));
        return desk.welcome().then(connection.run(desk::handle));
    }

    /**
     * The dialog list's order: the person waiting longest for an answer first, then the dialogs where the agent spoke
     * last, longest assigned first.
     */
    static final Comparator<Dialog> BY_WAITING = Comparator
            .comparing((Dialog dialog) -> dialog.inbox().waitingSince(), Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparing(Dialog::assignedAt, Comparator.nullsLast(Comparator.naturalOrder()));

    private String siteName(String siteId) {
        return sites.site(siteId).map(Site::name).orElse(siteId);
    }

    /** One agent connection: the agent and the dialogs known to be theirs. */
    private final class Desk {

        private final Agent agent;

        private final Set<UUID> mine = ConcurrentHashMap.newKeySet();

        private SocketConnection connection;

        Desk(Agent agent) {
            this.agent = agent;
        }

        Mono<Void> welcome() {
            return dialogQueries.openDialogsOf(agent.id())
                    .doOnNext(dialog -> mine.add(dialog.id()))
                    .sort(BY_WAITING)
                    .concatWith(dialogQueries.unclassifiedOf(agent.id()))
                    .map(dialog -> Frames.dialog(dialog, true, siteName(dialog.siteId())))
                    .collectList()
                    .doOnNext(list -> {
                        Map<String, Object> me = new LinkedHashMap<>();
                        me.put("id", agent.id());
                        me.put("login", agent.login());
                        me.put("displayName", agent.displayName());
                        me.put("roles", agent.roles());
                        me.put("lines", agent.lines());
                        me.put("maxDialogs", agent.maxDialogs());
                        Map<String, Object> frame = new LinkedHashMap<>();
                        frame.put("type", "welcome");
                        frame.put("agent", me);
                        frame.put("presence", presences.presenceOf(agent.id()).name());
                        frame.put("dialogs", list);
                        connection.send(frame);
                    })
                    .then();
        }

        Object otherEvent(LiveEvent event) {
            if (event instanceof TypingChanged typing) {
                return typing.sender() == Sender.VISITOR
                        ? Frames.typing(typing.dialogId().toString(), "visitor", typing.typing(), null) : null;
            }
            if (event instanceof Offered offered) {
                Map<String, Object> frame = new LinkedHashMap<>();
                frame.put("type", "offer");
                frame.put("dialog", Frames.dialog(offered.dialog(), true, siteName(offered.dialog().siteId())));
                frame.put("expiresAt", offered.expiresAt());
                return frame;
            }
            if (event instanceof OfferWithdrawn withdrawn) {
                return Map.of("type", "offer_withdrawn", "dialogId", withdrawn.dialogId());
            }
            if (event instanceof PersonWroteAgain wrote) {
                Map<String, Object> frame = new LinkedHashMap<>();
                frame.put("type", "card_notice");
                frame.put(wrote.appeal() ? "appealId" : "dialogId", wrote.subjectId());
                frame.put("cardId", wrote.cardId());
                frame.put("taskId", wrote.taskId());
                frame.put("name", wrote.name());
                frame.put("channel", wrote.channel());
                frame.put("text", wrote.title());
                return frame;
            }
            if (event instanceof DialogRead read) {
                return Map.of("type", "read", "dialogId", read.dialogId(), "seq", read.seq(), "unread", read.unread());
            }
            if (event instanceof DialogChanged changed) {
                Dialog dialog = changed.dialog();
                if (dialog.isAssignedTo(agent.id())) {
                    mine.add(dialog.id());
                }
                else if (!dialog.isClosed()) {
                    mine.remove(dialog.id());
                }
                Map<String, Object> frame = Map.of("type", "dialog", "dialog", Frames.dialog(dialog, true,
                        siteName(dialog.siteId())));
                String left = leftBecause(changed);
                if (left == null) {
                    return frame;
                }
                // the summary first (a console that does not know dialog_left shows it read-only), then its removal
                connection.send(frame);
                connection.unfollow(dialog.id());
                return dialogLeft(dialog, left);
            }
            return null;
        }

        /** Why the dialog is no longer this agent's work, or null while it still is (or never was). */
        private String leftBecause(DialogChanged changed) {
            Dialog dialog = changed.dialog();
            if (dialog.isClosed()) {
                // ended as spam: nothing is left to do, not even an appeal type
                return dialog.triage() == Triage.SPAM && dialog.agentId() != null && dialog.agentId() == agent.id()
                        ? "spam" : null;
            }
            boolean wasMine = changed.previousAgentId() != null && changed.previousAgentId() == agent.id();
            if (!wasMine || dialog.isAssignedTo(agent.id())) {
                return null;
            }
            if (changed instanceof DialogRequeued) {
                return "requeued";
            }
            return changed instanceof DialogForwarded forwarded && forwarded.handOff() != null ? forwarded.handOff()
                    : "forwarded";
        }

        private Map<String, Object> dialogLeft(Dialog dialog, String reason) {
            Map<String, Object> frame = new LinkedHashMap<>();
            frame.put("type", "dialog_left");
            frame.put("dialogId", dialog.id());
            frame.put("reason", reason);
            frame.put("agentName", dialog.agentId() == null ? null : dialog.agentName());
            frame.put("line", dialog.lineId());
            frame.put("lineName", sites.line(dialog.lineId()).map(line -> line.name()).orElse(dialog.lineId()));
            return frame;
        }

        Mono<Void> handle(InboundFrame frame) {
            return switch (frame.type()) {
                case "presence" -> presence(frame);
                case "resume" -> resume(frame);
                case "message" -> message(frame);
                case "typing" -> typing(frame);
                case "close" -> close(frame);
                case "accept" -> accept(frame);
                case "forward" -> forward(frame);
                case "take_over" -> takeOver(frame);
                case "triage" -> triage(frame);
                case "classify" -> classify(frame);
                case "decline" -> decline(frame);
                case "read" -> read(frame);
                default -> Mono.error(new FrameException(ErrorCode.UNKNOWN_TYPE,
                        "Unknown frame type '" + frame.type() + "'"));
            };
        }

        private Mono<Void> presence(InboundFrame frame) {
            Presence status;
            try {
                status = Presence.valueOf(frame.text("status"));
            }
            catch (IllegalArgumentException ex) {
                return Mono.error(new FrameException(ErrorCode.MISSING_FIELD,
                        "'status' must be ONLINE, AWAY or OFFLINE"));
            }
            presences.setPresence(agent.id(), status);
            connection.send(Map.of("type", "presence", "status", status.name()));
            return Mono.empty();
        }

        private Mono<Void> resume(InboundFrame frame) {
            UUID dialogId = frame.uuid("dialogId");
            long lastSeq = frame.nonNegativeLong("lastSeq");
            return dialogQueries.find(dialogId)
                    .switchIfEmpty(Mono.error(() -> new DialogException(DialogException.Reason.UNKNOWN_DIALOG,
                            "No such dialog")))
                    .flatMap(dialog -> mayRead(dialog) ? Mono.just(dialog)
                            : Mono.error(new DialogException(DialogException.Reason.FORBIDDEN,
                                    "The dialog is not assigned to you")))
                    .doOnNext(dialog -> connection.follow(dialogId, lastSeq))
                    .onErrorMap(DialogManagement::storageFailure)
                    .then();
        }

        private boolean mayRead(Dialog dialog) {
            return agent.has(Role.SUPERVISOR) || (dialog.agentId() != null && dialog.agentId() == agent.id());
        }

        private Mono<Void> message(InboundFrame frame) {
            UUID dialogId = frame.uuid("dialogId");
            String clientMsgId = Frames.checkedClientMsgId(frame);
            String text = Frames.checkedText(frame, limits.maxTextLength());
            return latency.timed("CONSOLE",
                            dialogs.appendFromAgent(agent.id(), agent.displayName(), dialogId, clientMsgId, text))
                    .doOnNext(appended -> {
                        connection.countIn();
                        connection.send(Frames.ack(appended.message(), appended.duplicate()));
                    })
                    .then();
        }

        private Mono<Void> typing(InboundFrame frame) {
            UUID dialogId = frame.uuid("dialogId");
            boolean typing = frame.bool("typing");
            if (!mine.contains(dialogId)) {
                return Mono.error(new DialogException(DialogException.Reason.FORBIDDEN,
                        "The dialog is not assigned to you"));
            }
            dialogs.typing(dialogId, Sender.AGENT, typing, agent.displayName());
            return Mono.empty();
        }

        private Mono<Void> accept(InboundFrame frame) {
            return offers.accept(agent.id(), frame.uuid("dialogId"))
                    .onErrorMap(OfferGoneException.class, gone -> new FrameException(ErrorCode.OFFER_GONE,
                            gone.getMessage()))
                    .onErrorMap(DialogManagement::storageFailure)
                    .then();
        }

        /** To a colleague ({@code toAgentId}) or a line ({@code toLine}), with a note for them. */
        private Mono<Void> forward(InboundFrame frame) {
            UUID dialogId = frame.uuid("dialogId");
            String note = Frames.checkedNote(frame);
            boolean supervisor = agent.has(Role.SUPERVISOR);
            String toLine = frame.optionalText("toLine");
            if (toLine != null) {
                if (sites.line(toLine).isEmpty()) {
                    return Mono.error(new FrameException(ErrorCode.MISSING_FIELD, "Unknown line '" + toLine + "'"));
                }
                return forwarding.forwardToLine(dialogId, agent.id(), agent.displayName(), supervisor, toLine, note,
                        null)
                        .then();
            }
            long toAgentId = frame.nonNegativeLong("toAgentId");
            return agents.byId(toAgentId)
                    .filter(Agent::enabled)
                    .switchIfEmpty(Mono.error(() -> new FrameException(ErrorCode.MISSING_FIELD,
                            "No enabled agent with id " + toAgentId)))
                    .flatMap(colleague -> forwarding.forwardToAgent(dialogId, agent.id(), agent.displayName(),
                            supervisor,
                            colleague.id(), colleague.displayName(), note))
                    .then();
        }

        /** A supervisor takes a dialog over from whoever has it. */
        private Mono<Void> takeOver(InboundFrame frame) {
            if (!agent.has(Role.SUPERVISOR)) {
                return Mono.error(new DialogException(DialogException.Reason.FORBIDDEN,
                        "Only a supervisor takes dialogs over"));
            }
            return forwarding.forwardToAgent(frame.uuid("dialogId"), agent.id(), agent.displayName(), true, agent.id(),
                    agent.displayName(), null)
                    .then();
        }

        private Mono<Void> triage(InboundFrame frame) {
            UUID dialogId = frame.uuid("dialogId");
            Triage outcome;
            try {
                outcome = Triage.valueOf(frame.text("outcome").toUpperCase(java.util.Locale.ROOT));
            }
            catch (IllegalArgumentException ex) {
                return Mono.error(new FrameException(ErrorCode.MISSING_FIELD,
                        "'outcome' must be spam, partner, applicant or student"));
            }
            return triage.decide(agent, dialogId, outcome, Frames.checkedNote(frame)).then();
        }

        /** The agent has seen the dialog up to {@code seq}: every socket of theirs hears {@code read}. */
        private Mono<Void> read(InboundFrame frame) {
            return dialogs.markRead(frame.uuid("dialogId"), agent.id(), frame.nonNegativeLong("seq"))
                    .then();
        }

        private Mono<Void> decline(InboundFrame frame) {
            offers.decline(agent.id(), frame.uuid("dialogId"));
            return Mono.empty();
        }

        /** Closing requires the appeal's classification (regulation 4.3, 2). */
        private Mono<Void> close(InboundFrame frame) {
            UUID dialogId = frame.uuid("dialogId");
            Classification classification = classification(frame);
            return checked(classification)
                    .flatMap(checked -> dialogs.closeByAgent(dialogId, agent.id(), checked))
                    .onErrorMap(DialogManagement::storageFailure)
                    .then();
        }

        /**
         * A typed number must name a request the ticket desk has (when one is connected; one that cannot answer now
         * leaves the number as typed); the gateway registers requests only where the desk lets it.
         */
        private Mono<Classification> checked(Classification classification) {
            if (classification.createTicket() && !ticketDesk.creates()) {
                return Mono.error(new FrameException(ErrorCode.INVALID_FIELD,
                        "createTicket: no ticket desk is connected; type the request number"));
            }
            if (classification.requestNumber() == null || classification.requestNumber().isBlank()) {
                return Mono.just(classification);
            }
            return ticketDesk.checkRequestNumber(classification.requestNumber(), agent.id())
                    .map(request -> classification)
                    .onErrorResume(TicketDeskUnavailable.class, unavailable -> Mono.just(classification))
                    .onErrorMap(IllegalArgumentException.class,
                            refused -> new FrameException(ErrorCode.INVALID_FIELD, "requestNumber: "
                                    + refused.getMessage()));
        }

        /** Classifies a dialog the visitor closed first. */
        private Mono<Void> classify(InboundFrame frame) {
            UUID dialogId = frame.uuid("dialogId");
            return checked(classification(frame))
                    .flatMap(checked -> dialogs.classify(dialogId, agent.id(), agent.lines(), checked))
                    .onErrorMap(DialogManagement::storageFailure)
                    .then();
        }

        private Classification classification(InboundFrame frame) {
            String type = frame.optionalText("appealType");
            if (type == null) {
                throw new FrameException(ErrorCode.MISSING_FIELD, "'appealType' is required: CONSULTATION, "
                        + "SERVICE_REQUEST, COMPLAINT or CHANGE_REQUEST");
            }
            try {
                String due = frame.optionalText("dueDate");
                String number = frame.optionalText("requestNumber");
                String addressee = frame.optionalText("addressee");
                boolean createTicket = frame.body().has("createTicket") && frame.bool("createTicket");
                return new Classification(AppealType.valueOf(type.toUpperCase(java.util.Locale.ROOT)),
                        number == null ? null : number.strip(), due == null ? null : LocalDate.parse(due),
                        addressee == null ? null
                                : ComplaintAddressee.valueOf(addressee.toUpperCase(java.util.Locale.ROOT)),
                        createTicket);
            }
            catch (IllegalArgumentException | java.time.format.DateTimeParseException ex) {
                throw new FrameException(ErrorCode.MISSING_FIELD, ex.getMessage());
            }
        }
    }
}
