package ru.rosdistant.gateway.agent;

import java.util.List;
import java.util.Set;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/** A change of an agent by an ADMIN; a null password keeps the old one. */
public record AgentChange(@NotBlank @Size(max = 200) String displayName, @NotEmpty Set<Role> roles,
        @NotNull List<String> lines, @Min(1) @Max(100) int maxDialogs, boolean enabled,
        @Size(min = 8, max = 128) String password) {
}
