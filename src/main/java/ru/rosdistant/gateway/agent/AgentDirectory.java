package ru.rosdistant.gateway.agent;

import java.security.Principal;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ResponseStatusException;

/** The agents: who they are, what they may do, which lines they serve. */
@Component
public class AgentDirectory {

    private static final String COLUMNS = "id, login, display_name, password_hash, roles, lines, max_dialogs, enabled, security_stamp";

    private final DatabaseClient db;

    private final PasswordEncoder passwords;

    private final ApplicationEventPublisher events;

    AgentDirectory(DatabaseClient db, PasswordEncoder passwords, ApplicationEventPublisher events) {
        this.db = db;
        this.passwords = passwords;
        this.events = events;
    }

    public Mono<Agent> byLogin(String login) {
        return db.sql("SELECT " + COLUMNS + " FROM agent WHERE login = :login")
                .bind("login", login)
                .map(AgentDirectory::agent)
                .one();
    }

    /** The agent's account, as a log-in and a session's check need it: with its security stamp. */
    Mono<AgentAccount> account(String login) {
        return db.sql("SELECT " + COLUMNS + " FROM agent WHERE login = :login")
                .bind("login", login)
                .map(row -> new AgentAccount(agent(row), row.get("security_stamp", Long.class)))
                .one();
    }

    /** The accounts of these logins (those that exist). */
    Flux<AgentAccount> accounts(Collection<String> logins) {
        return db.sql("SELECT " + COLUMNS + " FROM agent WHERE login = ANY(:logins)")
                .bind("logins", logins.toArray(String[]::new))
                .map(row -> new AgentAccount(agent(row), row.get("security_stamp", Long.class)))
                .all();
    }

    /** The logged-in member of staff behind a request; 401 when the login no longer exists. */
    public Mono<Agent> current(Principal principal) {
        return byLogin(principal.getName())
                .switchIfEmpty(Mono.error(() -> new ResponseStatusException(HttpStatus.UNAUTHORIZED)));
    }

    public Mono<Agent> byId(long id) {
        return db.sql("SELECT " + COLUMNS + " FROM agent WHERE id = :id")
                .bind("id", id)
                .map(AgentDirectory::agent)
                .one();
    }

    public Flux<Agent> all() {
        return db.sql("SELECT " + COLUMNS + " FROM agent ORDER BY login")
                .map(AgentDirectory::agent)
                .all();
    }

    public Mono<Boolean> anyWithRole(Role role) {
        return db.sql("SELECT EXISTS (SELECT 1 FROM agent WHERE :role = ANY (roles) AND enabled) AS present")
                .bind("role", role.name())
                .map(row -> row.get("present", Boolean.class))
                .one();
    }

    public Mono<Agent> create(NewAgent agent) {
        return hash(agent.password())
                .flatMap(hash -> db.sql("""
                        INSERT INTO agent (login, display_name, password_hash, roles, lines, max_dialogs)
                        VALUES (:login, :name, :hash, :roles, :lines, :max)
                        ON CONFLICT (login) DO NOTHING
                        RETURNING id""")
                        .bind("login", agent.login())
                        .bind("name", agent.displayName())
                        .bind("hash", hash)
                        .bind("roles", names(agent.roles()))
                        .bind("lines", agent.lines().toArray(String[]::new))
                        .bind("max", agent.maxDialogs())
                        .map(row -> row.get("id", Long.class))
                        .one())
                .switchIfEmpty(Mono.error(() -> new LoginTakenException(agent.login())))
                .flatMap(this::byId);
    }

    /**
     * Changes an agent; what is open for them follows at once ({@link AgentAccessChanged}): disabling, enabling or a
     * new password bumps the security stamp and ends their sessions; any other change reaches their sessions with the
     * next request and restarts their sockets. A new password also makes a demo agent an agent of their own.
     */
    public Mono<Agent> update(long id, AgentChange change) {
        Mono<String> newHash = change.password() == null ? Mono.just("") : hash(change.password());
        return byId(id)
                .switchIfEmpty(Mono.error(() -> new AgentNotFoundException(id)))
                .flatMap(before -> newHash
                        .flatMap(hash -> db.sql("""
                                UPDATE agent SET display_name = :name, roles = :roles, lines = :lines,
                                    max_dialogs = :max, enabled = :enabled, updated_at = now(),
                                    security_stamp = security_stamp
                                        + CASE WHEN enabled <> :enabled OR :hash <> '' THEN 1 ELSE 0 END,
                                    demo = demo AND :hash = '',
                                    password_hash = CASE WHEN :hash = '' THEN password_hash ELSE :hash END
                                WHERE id = :id""")
                                .bind("id", id)
                                .bind("name", change.displayName())
                                .bind("roles", names(change.roles()))
                                .bind("lines", change.lines().toArray(String[]::new))
                                .bind("max", change.maxDialogs())
                                .bind("enabled", change.enabled())
                                .bind("hash", hash)
                                .fetch()
                                .rowsUpdated())
                        .filter(updated -> updated > 0)
                        .switchIfEmpty(Mono.error(() -> new AgentNotFoundException(id)))
                        .then(byId(id))
                        .doOnNext(after -> changed(before, after, change.password() != null)));
    }

    private void changed(Agent before, Agent after, boolean newPassword) {
        boolean sessionsEnded = newPassword || before.enabled() != after.enabled();
        if (sessionsEnded || !before.equals(after)) {
            events.publishEvent(new AgentAccessChanged(after.id(), after.login(), sessionsEnded));
        }
    }

    /** Creates a demo agent (the demo profile's), marked so that a start without that profile disables it. */
    Mono<Agent> createDemo(NewAgent agent) {
        return create(agent)
                .flatMap(created -> db.sql("UPDATE agent SET demo = true WHERE id = :id")
                        .bind("id", created.id())
                        .then()
                        .thenReturn(created));
    }

    /** Enables a demo agent disabled by a start without the demo profile (under that profile they exist). */
    Mono<Void> enableDemo(String login) {
        return db.sql("""
                UPDATE agent SET enabled = true, security_stamp = security_stamp + 1, updated_at = now()
                WHERE login = :login AND demo AND NOT enabled""")
                .bind("login", login)
                .then();
    }

    /** Disables the enabled demo agents, ending their sessions; their logins, in order. */
    Mono<List<String>> disableDemoAgents() {
        return db.sql("""
                UPDATE agent SET enabled = false, security_stamp = security_stamp + 1, updated_at = now()
                WHERE demo AND enabled
                RETURNING id, login""")
                .map(row -> new AgentAccessChanged(row.get("id", Long.class), row.get("login", String.class), true))
                .all()
                .doOnNext(events::publishEvent)
                .map(AgentAccessChanged::login)
                .sort()
                .collectList();
    }

    /** BCrypt is deliberately slow: it runs off the event loop. */
    private Mono<String> hash(String password) {
        return Mono.fromCallable(() -> passwords.encode(password))
                .subscribeOn(Schedulers.boundedElastic());
    }

    private static String[] names(Set<Role> roles) {
        return roles.stream().map(Role::name).sorted().toArray(String[]::new);
    }

    private static Agent agent(Readable row) {
        Set<Role> roles = Arrays.stream(row.get("roles", String[].class))
                .map(Role::valueOf)
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(Role.class)));
        return new Agent(row.get("id", Long.class), row.get("login", String.class),
                row.get("display_name", String.class), row.get("password_hash", String.class), roles,
                List.of(row.get("lines", String[].class)), row.get("max_dialogs", Integer.class),
                row.get("enabled", Boolean.class));
    }
}
