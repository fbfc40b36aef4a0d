package ru.rosdistant.gateway.agent;

import java.util.List;
import java.util.Set;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

public record NewAgent(@NotBlank @Pattern(regexp = "[a-z0-9._-]{2,64}") String login,
        @NotBlank @Size(max = 200) String displayName, @NotBlank @Size(min = 8, max = 128) String password,
        @NotEmpty Set<Role> roles, @NotNull List<String> lines, @Min(1) @Max(100) int maxDialogs) {
}
