package ru.rosdistant.gateway.console;

import java.security.Principal;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketSession;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentAccessChanged;
import ru.rosdistant.gateway.agent.AgentAccount;
import ru.rosdistant.gateway.agent.ConsoleSessionEnded;
import ru.rosdistant.gateway.agent.CurrentAccounts;
import ru.rosdistant.gateway.routing.PresenceSetBySupervisor;

/**
 * The agent sockets open on this node, by login and by the session they were opened with, and their closing when
 * that session ends ({@link #SESSION_ENDED}: logged out, pushed out by the agent's newer sessions, the agent disabled
 * or given a new password) or the agent is changed otherwise ({@link #ACCOUNT_CHANGED}: the console reconnects and
 * gets the current agent). A change made on this node arrives as an event and closes them at once; one made on
 * another node is found by a check of the agents with open sockets here, one query every {@link #CHECK}.
 */
@Component
class OpenAgentSockets {

    private static final Logger log = LoggerFactory.getLogger(OpenAgentSockets.class);

    /** the session this socket was opened with has ended: log in again (docs/protocol.md) */
    static final CloseStatus SESSION_ENDED = new CloseStatus(4401, "session ended");

    /** the agent's roles or lines changed: reconnect at once for the current ones (docs/protocol.md) */
    static final CloseStatus ACCOUNT_CHANGED = new CloseStatus(4409, "account changed");

    /** how often the agents with open sockets are compared with PostgreSQL (changes made on other nodes) */
    static final Duration CHECK = Duration.ofSeconds(1);

    private final Map<String, Set<Open>> open = new ConcurrentHashMap<>();

    private final CurrentAccounts accounts;

    private volatile Disposable checking;

    OpenAgentSockets(CurrentAccounts accounts) {
        this.accounts = accounts;
    }

    /** A socket is open for the principal's session; its agent is told with {@link Open#serving}. */
    Open opened(Principal principal, WebSocketSession session) {
        AgentAccount account = principal instanceof Authentication authentication
                && authentication.getPrincipal() instanceof AgentAccount held ? held : null;
        String handle = principal instanceof Authentication authentication
                && authentication.getDetails() instanceof String details ? details : null;
        Open socket = new Open(principal.getName(), session, handle, account == null ? null : account.securityStamp());
        open.computeIfAbsent(socket.login, key -> ConcurrentHashMap.newKeySet()).add(socket);
        return socket;
    }

    void closed(Open socket) {
        open.computeIfPresent(socket.login, (key, sockets) -> {
            sockets.remove(socket);
            return sockets.isEmpty() ? null : sockets;
        });
    }

    @EventListener
    void on(AgentAccessChanged changed) {
        close(changed.login(), null, changed.sessionsEnded() ? SESSION_ENDED : ACCOUNT_CHANGED);
    }

    @EventListener
    void on(ConsoleSessionEnded ended) {
        close(ended.login(), ended.session(), SESSION_ENDED);
    }

    /** A supervisor set the agent's presence: their consoles show it (docs/protocol.md, frame {@code presence}). */
    @EventListener
    void on(PresenceSetBySupervisor set) {
        Map<String, Object> frame = Map.of("type", "presence", "status", set.status().name(), "by",
                set.supervisorName());
        open.values()
                .stream()
                .flatMap(Set::stream)
                .filter(socket -> socket.agent != null && socket.agent.id() == set.agentId())
                .forEach(socket -> socket.tell(frame));
    }

    /** Closes the agent's sockets opened with the session {@code handle}, or all of them (null). */
    private void close(String login, String handle, CloseStatus status) {
        open.getOrDefault(login, Set.of())
                .stream()
                .filter(socket -> handle == null || handle.equals(socket.handle))
                .forEach(socket -> socket.close(status));
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        checking = Flux.interval(CHECK, CHECK)
                .onBackpressureDrop()
                .concatMap(tick -> check()
                        .timeout(CHECK.multipliedBy(5))
                        // PostgreSQL not answering: nobody can change an agent either; the next tick tries again
                        .onErrorResume(error -> {
                            log.debug("Could not check the agents with open sockets: {}", String.valueOf(error));
                            return Mono.empty();
                        }), 0)
                .subscribe();
    }

    @EventListener(ContextClosedEvent.class)
    void stop() {
        Disposable current = checking;
        if (current != null) {
            current.dispose();
        }
    }

    private Mono<Void> check() {
        if (open.isEmpty()) {
            return Mono.empty();
        }
        Set<String> logins = Set.copyOf(open.keySet());
        return accounts.read(logins)
                .collectMap(AgentAccount::getUsername)
                .doOnNext(now -> logins.forEach(login -> compare(login, now.get(login))))
                .then();
    }

    private void compare(String login, AgentAccount now) {
        open.getOrDefault(login, Set.of()).forEach(socket -> {
            if (now == null || !now.agent().enabled()
                    || (socket.stamp != null && socket.stamp != now.securityStamp())) {
                socket.close(SESSION_ENDED);
            }
            else if (socket.agent != null && !socket.agent.equals(now.agent())) {
                socket.close(ACCOUNT_CHANGED);
            }
        });
    }

    /** An open socket: whose, the handle of the session it was opened with, and that session's security stamp. */
    static final class Open {

        private final String login;

        private final WebSocketSession session;

        private final String handle;

        private final Long stamp;

        /** the agent as the socket serves them (its welcome), once known */
        private volatile Agent agent;

        private volatile boolean closing;

        private volatile Consumer<Object> send;

        private Open(String login, WebSocketSession session, String handle, Long stamp) {
            this.login = login;
            this.session = session;
            this.handle = handle;
            this.stamp = stamp;
        }

        /** The session still counts if the agent's stamp is the one it logged in with. */
        boolean counts(AgentAccount now) {
            return stamp == null || stamp == now.securityStamp();
        }

        void serving(Agent agent) {
            this.agent = agent;
        }

        /** How a frame reaches this socket once it serves its agent. */
        void telling(Consumer<Object> send) {
            this.send = send;
        }

        private void tell(Object frame) {
            Consumer<Object> current = send;
            if (current != null && !closing) {
                current.accept(frame);
            }
        }

        private void close(CloseStatus status) {
            if (closing) {
                return;
            }
            closing = true;
            session.close(status).subscribe(null, error -> { /* gone already */ });
        }
    }
}
