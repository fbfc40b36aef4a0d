package ru.rosdistant.gateway.agent;

import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonIgnore;

/** A member of staff who works in the console. */
public record Agent(long id, String login, String displayName, @JsonIgnore String passwordHash, Set<Role> roles,
        List<String> lines, int maxDialogs, boolean enabled) {

    public boolean has(Role role) {
        return roles.contains(role);
    }

    public boolean serves(String line) {
        return lines.contains(line);
    }
}
