package ru.rosdistant.gateway.triage;

import java.time.Duration;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import ru.rosdistant.gateway.dialog.Triage;

/**
 * @param line the dispatcher's line, whose dialogs are triaged
 * @param deadline the regulation's 10 minutes to decide
 * @param targets the line each non-spam outcome forwards to
 */
@ConfigurationProperties("gateway.triage")
record TriageProperties(@DefaultValue("dispatcher") String line, @DefaultValue("10m") Duration deadline,
        @DefaultValue Map<Triage, String> targets) {

    String target(Triage outcome) {
        String configured = targets.get(outcome);
        if (configured != null) {
            return configured;
        }
        return switch (outcome) {
            case PARTNER -> "partners";
            case APPLICANT -> "applicant-recruitment";
            case STUDENT -> "student-affairs";
            case SPAM -> null;
        };
    }
}
