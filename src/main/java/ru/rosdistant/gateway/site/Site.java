package ru.rosdistant.gateway.site;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnore;

import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * One of the university's sites that embed the widget (regulation 4.3): where its live dialogs go and
 * which mailbox receives its offline form. {@code identitySecret}, when set, is the key the site's server
 * signs its logged-in user's identity with (HMAC-SHA256, docs/widget.md); it never leaves the gateway.
 */
public record Site(String id, String name, String host, @DefaultValue List<String> allowedOrigins, String mailbox,
        String line, @JsonIgnore String identitySecret) {

    public boolean verifiesIdentity() {
        return identitySecret != null && !identitySecret.isBlank();
    }

    @Override
    public String toString() {
        return "Site[id=" + id + ", host=" + host + ", line=" + line + "]";
    }
}
