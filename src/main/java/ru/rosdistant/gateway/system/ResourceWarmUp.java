package ru.rosdistant.gateway.system;

import java.util.Locale;

import jakarta.validation.Validator;

import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.security.core.SpringSecurityMessageSource;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.agent.NewAgent;

/**
 * Loads, at start-up, the message bundles that Spring Security and Bean Validation otherwise read from
 * the jar on first use, which would be file I/O on an event loop (BlockHound found both).
 */
@Component
class ResourceWarmUp {

    private final Validator validator;

    ResourceWarmUp(Validator validator) {
        this.validator = validator;
    }

    @EventListener(ApplicationStartedEvent.class)
    void load() {
        for (Locale locale : new Locale[] { Locale.getDefault(), Locale.ENGLISH, Locale.ROOT }) {
            SpringSecurityMessageSource.getAccessor()
                    .getMessage("AbstractUserDetailsAuthenticationProvider.badCredentials", "Bad credentials", locale);
            SpringSecurityMessageSource.getAccessor()
                    .getMessage("AbstractUserDetailsAuthenticationProvider.disabled", "User is disabled", locale);
        }
        validator.validate(new NewAgent("", "", "", java.util.Set.of(), java.util.List.of(), 0));
    }
}
