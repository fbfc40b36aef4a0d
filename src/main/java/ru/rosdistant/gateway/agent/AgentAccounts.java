package ru.rosdistant.gateway.agent;

import reactor.core.publisher.Mono;

import ru.rosdistant.gateway.shared.StorageOutage;

import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.core.userdetails.ReactiveUserDetailsService;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.stereotype.Component;

/**
 * Lets Spring Security log agents in from the agent table; a disabled agent cannot log in. A database that
 * cannot answer is an {@link AuthenticationServiceException}, which the login answers with 503.
 */
@Component
class AgentAccounts implements ReactiveUserDetailsService {

    private final AgentDirectory agents;

    AgentAccounts(AgentDirectory agents) {
        this.agents = agents;
    }

    @Override
    public Mono<UserDetails> findByUsername(String username) {
        return agents.account(username)
                .<UserDetails>map(account -> account)
                // the failure handler answers 503 "try again" rather than 500 or a wrong-password 401
                .onErrorMap(StorageOutage::is, error -> new AuthenticationServiceException(
                        "The account store is unavailable, try again", error));
    }
}
