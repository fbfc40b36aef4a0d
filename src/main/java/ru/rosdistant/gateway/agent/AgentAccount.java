package ru.rosdistant.gateway.agent;

import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.userdetails.User;

/**
 * An agent as Spring Security holds them once logged in, with the agent's record as it was read for the log-in:
 * the login's answer (who, with which roles) needs no second query, so there is one moment less in which a
 * database that stops answering can hold a login up.
 */
public final class AgentAccount extends User {

    private final Agent agent;

    AgentAccount(Agent agent) {
        super(agent.login(), agent.passwordHash(), agent.enabled(), true, true, true, agent.roles()
                .stream()
                .map(role -> new SimpleGrantedAuthority("ROLE_" + role.name()))
                .toList());
        this.agent = agent;
    }

    public Agent agent() {
        return agent;
    }
}
