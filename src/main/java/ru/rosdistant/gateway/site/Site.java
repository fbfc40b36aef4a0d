package ru.rosdistant.gateway.site;

import java.util.List;

import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * One of the university's sites that embed the widget (regulation 4.3): where its live dialogs go and
 * which mailbox receives its offline form.
 */
public record Site(String id, String name, String host, @DefaultValue List<String> allowedOrigins, String mailbox,
        String line) {
}
