package ru.rosdistant.gateway.agent;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextImpl;
import org.springframework.security.core.userdetails.ReactiveUserDetailsService;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.web.server.context.WebSessionServerSecurityContextRepository;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebSession;
import org.springframework.web.server.session.WebSessionStore;
import ru.rosdistant.gateway.shared.RandomIds;
import ru.rosdistant.gateway.shared.StorageOutage;

/**
 * The console's web sessions: held in memory like Spring's {@code InMemoryWebSessionStore}, and a logged-in
 * session is also recorded in PostgreSQL ({@code agent_session}: the SHA-256 of the session id and the agent's
 * login, nothing else), so that after a restart or a crash of the gateway the console's cookie still works and
 * the agent resumes their dialogs without logging in again. A session the new process does not know is looked
 * up there; the security context is rebuilt from the agent's current record, so a disabled or deleted agent, or one
 * whose security stamp changed since (a new password), gets nothing back. Logging out, or a new log-in on the same
 * session, deletes the record; a record not used for the idle timeout ({@code server.reactive.session.timeout}) no
 * longer counts and is removed.
 * <p>
 * One agent holds at most {@code gateway.login.sessions-per-login} sessions: a log-in past that ends their oldest.
 * A store full of sessions ({@code server.reactive.session.max-sessions}) ends the one unused the longest rather
 * than refusing a new one. A session that ends so, or by logout, or because its agent's access changed, is told to
 * its sockets ({@link ConsoleSessionEnded}).
 * <p>
 * A log-in's record is written before its answer begins ({@link #logIn}), not as the answer goes out, where
 * Spring saves a session: an answer that has begun is no longer bounded by {@code web.RequestTimeout}, so a
 * database that stopped answering just then would hold the login for good.
 */
@Component
public class PersistentWebSessions implements WebSessionStore {

    private static final Logger log = LoggerFactory.getLogger(PersistentWebSessions.class);

    static final String CONTEXT = WebSessionServerSecurityContextRepository.DEFAULT_SPRING_SECURITY_CONTEXT_ATTR_NAME;

    private static final Duration SWEEP = Duration.ofMinutes(1);

    private final DatabaseClient db;

    private final ReactiveUserDetailsService users;

    private final Duration maxIdle;

    /** last_seen is written at most this often per session */
    private final Duration touch;

    /** as Spring's in-memory store: more sessions held at once than this is refused */
    private final int maxSessions;

    private final int sessionsPerLogin;

    private final ApplicationEventPublisher events;

    private final Clock clock;

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();

    private volatile Instant nextSweep;

    PersistentWebSessions(DatabaseClient db, ReactiveUserDetailsService users,
            @Value("${server.reactive.session.timeout:30m}") Duration maxIdle,
            @Value("${server.reactive.session.max-sessions:10000}") int maxSessions, LoginProperties login,
            ApplicationEventPublisher events) {
        this.maxSessions = maxSessions;
        this.sessionsPerLogin = Math.max(1, login.sessionsPerLogin());
        this.events = events;
        this.db = db;
        this.users = users;
        this.maxIdle = maxIdle;
        this.touch = login.sessionTouch();
        this.clock = Clock.systemUTC();
        this.nextSweep = clock.instant().plus(SWEEP);
        RandomIds.seed();
    }

    @Override
    public Mono<WebSession> createWebSession() {
        sweepExpired();
        return Mono.fromSupplier(() -> new Session(newId()));
    }

    private static String newId() {
        return RandomIds.token(24);
    }

    @Override
    public Mono<WebSession> retrieveSession(String id) {
        sweepExpired();
        Session known = sessions.get(id);
        if (known != null) {
            if (known.isExpired()) {
                sessions.remove(id, known);
                return known.forget().then(Mono.empty());
            }
            known.lastAccessTime = clock.instant();
            return Mono.just(known);
        }
        return restore(id);
    }

    @Override
    public Mono<Void> removeSession(String id) {
        Session known = sessions.remove(id);
        return known != null ? known.forget() : delete(hash(id));
    }

    @Override
    public Mono<WebSession> updateLastAccessTime(WebSession session) {
        return Mono.fromSupplier(() -> {
            if (session instanceof Session own) {
                own.lastAccessTime = clock.instant();
            }
            return session;
        });
    }

    /**
     * Logs the exchange's session in, its record first: the session holds the agent only once the record is
     * stored, so whatever answer goes out before that (the request bound's 503) carries no cookie of a session a
     * new process would not know. A record stored after that answer has gone out is removed again, and the log-in
     * fails; a database that cannot be reached fails it as the account lookup does, with an
     * {@link AuthenticationServiceException} (503 "try again").
     */
    public Mono<Void> logIn(ServerWebExchange exchange, Authentication authentication) {
        SecurityContext context = new SecurityContextImpl(authentication);
        return exchange.getSession()
                .cast(Session.class)
                .flatMap(session -> session.logIn(context, exchange.getResponse()))
                .onErrorMap(StorageOutage::is, error -> new AuthenticationServiceException(
                        "The session store is unavailable, try again", error));
    }

    /** Forgets every session held in memory, as a new process would start (for tests). */
    void forgetInMemory() {
        sessions.clear();
    }

    /** A session this process does not hold: the record of a logged-in agent, from before a restart. */
    private Mono<WebSession> restore(String id) {
        if (id.isEmpty() || id.length() > 200) {
            return Mono.empty();
        }
        byte[] hash = hash(id);
        Instant now = clock.instant();
        return db.sql("SELECT login, created_at, last_seen, security_stamp FROM agent_session WHERE id_hash = :hash")
                .bind("hash", hash)
                .map(row -> new Record(row.get("login", String.class), row.get("created_at", OffsetDateTime.class),
                        row.get("last_seen", OffsetDateTime.class), row.get("security_stamp", Long.class)))
                .one()
                .flatMap(record -> {
                    if (record.lastSeen().toInstant().plus(maxIdle).isBefore(now)) {
                        return delete(hash).then(Mono.empty());
                    }
                    return users.findByUsername(record.login())
                            .filter(user -> user.isEnabled() && user.isAccountNonLocked() && user.isAccountNonExpired()
                                    && user instanceof AgentAccount account
                                    && account.securityStamp() == record.stamp())
                            .map(user -> restored(id, user, record.createdAt().toInstant(), now))
                            .switchIfEmpty(Mono.defer(() -> delete(hash).then(Mono.empty())));
                })
                .onErrorResume(error -> {
                    // without the database nobody is restored; a log-in is asked for, as before
                    log.warn("Could not look up a console session: {}", String.valueOf(error));
                    return Mono.empty();
                });
    }

    private WebSession restored(String id, UserDetails user, Instant loggedIn, Instant now) {
        Session session = new Session(id);
        Authentication authentication = UsernamePasswordAuthenticationToken.authenticated(user, user.getPassword(),
                user.getAuthorities());
        session.attributes.put(CONTEXT, new SecurityContextImpl(authentication));
        session.state.set(State.STARTED);
        session.persistedId = id;
        session.persistedLogin = user.getUsername();
        session.persistedAt = now;
        session.loggedInAt = loggedIn;
        Session raced = sessions.putIfAbsent(id, session);
        return raced != null ? raced : session;
    }

    private Mono<Void> delete(byte[] hash) {
        return db.sql("DELETE FROM agent_session WHERE id_hash = :hash").bind("hash", hash).then();
    }

    private Mono<Void> insert(String id, String login, long stamp) {
        return db.sql("""
                INSERT INTO agent_session (id_hash, login, security_stamp) VALUES (:hash, :login, :stamp)
                ON CONFLICT (id_hash) DO UPDATE SET login = EXCLUDED.login, security_stamp = EXCLUDED.security_stamp,
                    last_seen = now()""")
                .bind("hash", hash(id))
                .bind("login", login)
                .bind("stamp", stamp)
                .then();
    }

    /** The agent's records past the newest {@code sessions-per-login}, on whichever node they were made, go. */
    private Mono<Void> trimRecords(String login) {
        return db.sql("""
                DELETE FROM agent_session WHERE login = :login AND id_hash NOT IN (
                    SELECT id_hash FROM agent_session WHERE login = :login ORDER BY created_at DESC LIMIT :cap)""")
                .bind("login", login)
                .bind("cap", sessionsPerLogin)
                .then();
    }

    /**
     * The agent's access changed (disabled, enabled, a new password): their sessions held here end now, those of other
     * nodes with their next request (their stamp is no longer the agent's), and their records go.
     */
    @EventListener
    void on(AgentAccessChanged changed) {
        if (!changed.sessionsEnded()) {
            return;
        }
        sessions.values()
                .stream()
                .filter(session -> changed.login().equals(session.persistedLogin))
                .toList()
                .forEach(this::end);
        db.sql("""
                DELETE FROM agent_session WHERE login = :login
                    AND security_stamp <> (SELECT security_stamp FROM agent WHERE login = :login)""")
                .bind("login", changed.login())
                .then()
                .subscribe(null, error -> log.warn("Could not remove the sessions of '{}': {}", changed.login(),
                        String.valueOf(error)));
    }

    /**
     * A console session ended on another node (a logout there, told through cluster.Revocations): if this node holds
     * it, it ends here too. One that ended here is no longer held.
     */
    @EventListener
    void on(ConsoleSessionEnded ended) {
        sessions.values()
                .stream()
                .filter(session -> ended.session().equals(handle(session.getId())))
                .toList()
                .forEach(this::end);
    }

    /** Ends a session held here: it is gone, its record goes, its sockets are told. */
    private void end(Session session) {
        sessions.remove(session.getId(), session);
        session.invalidate().subscribe(null, error -> log.warn("Could not remove an ended console session: {}",
                String.valueOf(error)));
    }

    /** Keeps the agent's newest sessions held here, {@code keep} of them, besides {@code current}. */
    private void endOldest(String login, Session current, int keep) {
        sessions.values()
                .stream()
                .filter(session -> session != current && login.equals(session.persistedLogin))
                .sorted(Comparator.comparing((Session session) -> session.loggedInAt).reversed())
                .skip(keep)
                .toList()
                .forEach(this::end);
    }

    /** The store is full: the session unused the longest makes room. */
    private void makeRoom() {
        sweepExpired(true);
        while (sessions.size() >= maxSessions) {
            Map.Entry<String, Session> oldest = sessions.entrySet()
                    .stream()
                    .min(Comparator.comparing(entry -> entry.getValue().getLastAccessTime()))
                    .orElse(null);
            if (oldest == null) {
                return;
            }
            sessions.remove(oldest.getKey(), oldest.getValue());
            end(oldest.getValue());
        }
    }

    /**
     * The handle of a session for its sockets ({@link ConsoleSessionEnded}): not its id, which is worth a log-in.
     */
    static String handle(String id) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(hash(id), 16));
    }

    /** Removes the records idle for longer than the timeout: bookkeeping no answer waits for. */
    private void sweepRecords() {
        db.sql("DELETE FROM agent_session WHERE last_seen < :cutoff")
                .bind("cutoff", OffsetDateTime.ofInstant(clock.instant().minus(maxIdle), ZoneOffset.UTC))
                .then()
                .subscribe(null, error -> log.warn("Could not remove idle console sessions: {}",
                        String.valueOf(error)));
    }

    private void sweepExpired() {
        sweepExpired(false);
    }

    private void sweepExpired(boolean immediately) {
        Instant now = clock.instant();
        if (!immediately && now.isBefore(nextSweep)) {
            return;
        }
        nextSweep = now.plus(SWEEP);
        sessions.values().removeIf(Session::isExpired);
    }

    static byte[] hash(String id) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** The agent a stored security context is of, or null. */
    static AgentAccount accountOf(Object context) {
        if (context instanceof SecurityContext security) {
            Authentication authentication = security.getAuthentication();
            if (authentication != null && authentication.isAuthenticated()
                    && authentication.getPrincipal() instanceof AgentAccount account) {
                return account;
            }
        }
        return null;
    }

    private static long stampOf(Object context) {
        AgentAccount account = accountOf(context);
        return account == null ? 0 : account.securityStamp();
    }

    private static String loginOf(Object context) {
        if (context instanceof SecurityContext security) {
            Authentication authentication = security.getAuthentication();
            if (authentication != null && authentication.isAuthenticated()
                    && authentication.getPrincipal() instanceof UserDetails user) {
                return user.getUsername();
            }
        }
        return null;
    }

    private record Record(String login, OffsetDateTime createdAt, OffsetDateTime lastSeen, long stamp) {
    }

    private enum State {
        NEW, STARTED, EXPIRED
    }

    private final class Session implements WebSession {

        private final AtomicReference<String> id;

        private final Map<String, Object> attributes = new ConcurrentHashMap<>();

        private final Instant creationTime;

        private volatile Instant lastAccessTime;

        private volatile Duration maxIdleTime = maxIdle;

        private final AtomicReference<State> state = new AtomicReference<>(State.NEW);

        /** the session id whose hash is in agent_session (null: none), for whom, and when last_seen was written */
        private volatile String persistedId;

        private volatile String persistedLogin;

        private volatile Instant persistedAt;

        /** when the agent logged in (their oldest session is the first to go past sessions-per-login) */
        private volatile Instant loggedInAt = Instant.MIN;

        Session(String id) {
            this.id = new AtomicReference<>(id);
            this.creationTime = clock.instant();
            this.lastAccessTime = creationTime;
        }

        @Override
        public String getId() {
            return id.get();
        }

        @Override
        public Map<String, Object> getAttributes() {
            return attributes;
        }

        @Override
        public void start() {
            state.compareAndSet(State.NEW, State.STARTED);
        }

        @Override
        public boolean isStarted() {
            return state.get() == State.STARTED || (state.get() == State.NEW && !attributes.isEmpty());
        }

        @Override
        public Mono<Void> changeSessionId() {
            moveTo(newId());
            // the record follows in save(), which runs before the response with the new cookie goes out
            return Mono.empty();
        }

        /** Takes the id on: the session is found under it, and no longer under the one it had, if it was held. */
        private void moveTo(String next) {
            String current = id.getAndSet(next);
            if (!current.equals(next) && sessions.remove(current, this)) {
                sessions.put(next, this);
            }
        }

        /** Ends the session (a logout, or see {@link #end}); its sockets are told. */
        @Override
        public Mono<Void> invalidate() {
            String login = loginOf(attributes.get(CONTEXT));
            state.set(State.EXPIRED);
            attributes.clear();
            sessions.remove(id.get(), this);
            if (login != null) {
                events.publishEvent(new ConsoleSessionEnded(login, handle(id.get())));
            }
            return forget();
        }

        Mono<Void> logIn(SecurityContext context, ServerHttpResponse response) {
            String login = loginOf(context);
            if (login == null) {
                return Mono.error(new IllegalArgumentException("Not an agent's log-in: " + context));
            }
            // a session the client holds already gets a new id, so that an id planted on the client is worth nothing
            // (session fixation); a new one's id has not left the gateway yet
            String next = state.get() == State.NEW ? id.get() : newId();
            return insert(next, login, stampOf(context))
                    .then(Mono.defer(() -> adopt(next, login, context, response)));
        }

        /**
         * Takes the stored record's id and agent on, unless the request has been answered meanwhile (its bound's
         * 503, {@code isCommitted}): then the client never learns the id, and the record goes. Synchronized with
         * {@link #persist()}, which the answer's commit runs: it sees the session before or after, never half.
         */
        private synchronized Mono<Void> adopt(String next, String login, SecurityContext context,
                ServerHttpResponse response) {
            if (response.isCommitted()) {
                return delete(hash(next)).then(Mono.error(new AuthenticationServiceException(
                        "The log-in was answered before its session was stored")));
            }
            String previous = persistedId;
            persistedId = next;
            persistedLogin = login;
            persistedAt = clock.instant();
            loggedInAt = persistedAt;
            attributes.put(CONTEXT, context);
            moveTo(next);
            sweepRecords();
            endOldest(login, this, sessionsPerLogin - 1);
            // the previous log-in's id is dead before the client hears of the new one
            return (previous == null || previous.equals(next) ? Mono.<Void>empty() : delete(hash(previous)))
                    .then(trimRecords(login));
        }

        /** Deletes this session's record, if it has one. */
        Mono<Void> forget() {
            String persisted = persistedId;
            if (persisted == null) {
                return Mono.empty();
            }
            persistedId = null;
            persistedLogin = null;
            return delete(hash(persisted));
        }

        @Override
        public Mono<Void> save() {
            if (state.get() == State.EXPIRED) {
                return Mono.empty();
            }
            if (isStarted()) {
                start();
                String current = id.get();
                if (sessions.get(current) != this && sessions.size() >= maxSessions) {
                    makeRoom();
                }
                sessions.put(current, this);
            }
            return persist();
        }

        /**
         * Brings agent_session in line with this session: the logged-in agent under the current id, or nothing. A
         * log-in ({@link #logIn}) has stored its record already, so the answer's commit, which runs this, waits for
         * the database only when a session was logged in some other way.
         */
        private synchronized Mono<Void> persist() {
            String login = isStarted() ? loginOf(attributes.get(CONTEXT)) : null;
            String current = id.get();
            String persisted = persistedId;
            Instant now = clock.instant();
            if (login == null) {
                return forget();
            }
            if (!current.equals(persisted) || !login.equals(persistedLogin)) {
                Mono<Void> drop = persisted == null ? Mono.empty() : delete(hash(persisted));
                persistedId = current;
                persistedLogin = login;
                persistedAt = now;
                return drop.then(insert(current, login, stampOf(attributes.get(CONTEXT))))
                        .doOnSuccess(done -> sweepRecords());
            }
            if (persistedAt == null || persistedAt.plus(touch).isBefore(now)) {
                persistedAt = now;
                // Bookkeeping the answer need not wait for: save() runs as the response is committed, so a
                // database that does not answer would hold the answer, even the 503 of web.RequestTimeout.
                db.sql("UPDATE agent_session SET last_seen = now() WHERE id_hash = :hash")
                        .bind("hash", hash(current))
                        .then()
                        .subscribe(null, error -> log.warn("Could not note the use of a console session: {}",
                                String.valueOf(error)));
            }
            return Mono.empty();
        }

        @Override
        public boolean isExpired() {
            if (state.get() == State.EXPIRED) {
                return true;
            }
            if (!maxIdleTime.isNegative() && state.get() == State.STARTED
                    && lastAccessTime.plus(maxIdleTime).isBefore(clock.instant())) {
                state.set(State.EXPIRED);
                return true;
            }
            return false;
        }

        @Override
        public Instant getCreationTime() {
            return creationTime;
        }

        @Override
        public Instant getLastAccessTime() {
            return lastAccessTime;
        }

        @Override
        public void setMaxIdleTime(Duration maxIdleTime) {
            this.maxIdleTime = maxIdleTime;
        }

        @Override
        public Duration getMaxIdleTime() {
            return maxIdleTime;
        }
    }
}
