package ru.rosdistant.gateway.agent;

import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.userdetails.User;

/**
 * An agent as Spring Security holds them once logged in, with the agent's record as it was read for the log-in:
 * the login's answer (who, with which roles) needs no second query, so there is one moment less in which a
 * database that stops answering can hold a login up. The security stamp changes when the agent is disabled or
 * enabled or their password changes: a session logged in under another stamp no longer counts.
 */
public final class AgentAccount extends User {

    private final Agent agent;

    private final long securityStamp;

    AgentAccount(Agent agent, long securityStamp) {
        super(agent.login(), agent.passwordHash(), agent.enabled(), true, true, true, agent.roles()
                .stream()
                .map(role -> new SimpleGrantedAuthority("ROLE_" + role.name()))
                .toList());
        this.agent = agent;
        this.securityStamp = securityStamp;
    }

    public Agent agent() {
        return agent;
    }

    public long securityStamp() {
        return securityStamp;
    }
}
