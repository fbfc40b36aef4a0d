package ru.rosdistant.gateway.triage;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.Role;
import ru.rosdistant.gateway.dialog.Dialog;
import ru.rosdistant.gateway.dialog.DialogException;
import ru.rosdistant.gateway.dialog.DialogManagement;
import ru.rosdistant.gateway.dialog.Triage;

/**
 * The dispatcher's triage of main-site dialogs (regulation 4.3, 1): spam ends the dialog; partner,
 * applicant and student forward it to the line that handles them. Each decision is one action and is
 * recorded on the dialog; the clock against the 10-minute rule starts when the dialog opens.
 */
@Component
public class DispatcherTriage {

    private final DialogManagement dialogs;

    private final TriageProperties properties;

    DispatcherTriage(DialogManagement dialogs, TriageProperties properties) {
        this.dialogs = dialogs;
        this.properties = properties;
    }

    public Mono<Dialog> decide(Agent agent, UUID dialogId, Triage outcome, String note) {
        if (!agent.has(Role.DISPATCHER) && !agent.has(Role.SUPERVISOR)) {
            return Mono.error(new DialogException(DialogException.Reason.FORBIDDEN, "Only a dispatcher triages"));
        }
        boolean supervisor = agent.has(Role.SUPERVISOR);
        return dialogs.find(dialogId)
                .filter(dialog -> dialog.lineId().equals(properties.line()) && dialog.triage() == null)
                .switchIfEmpty(Mono.error(() -> new DialogException(DialogException.Reason.FORBIDDEN,
                        "Only an untriaged dialog of the dispatcher's line can be triaged")))
                .flatMap(dialog -> outcome == Triage.SPAM ? dialogs.closeAsSpam(dialogId, agent.id(), supervisor)
                        : dialogs.forwardToLine(dialogId, agent.id(), agent.displayName(), supervisor,
                                properties.target(outcome), note, outcome));
    }

    /** Dialogs of the dispatcher's line not yet triaged, oldest first, with their time against the rule. */
    public Flux<Pending> pending() {
        Instant now = Instant.now();
        return dialogs.untriaged(properties.line(), 500)
                .map(dialog -> new Pending(dialog, Duration.between(dialog.openedAt(), now).toSeconds(),
                        properties.deadline().toSeconds()));
    }

    /** The ones past the deadline, for a supervisor. */
    public Flux<Pending> overdue() {
        return pending().filter(Pending::overdue);
    }

    public record Pending(Dialog dialog, long waitedSeconds, long deadlineSeconds) {

        public boolean overdue() {
            return waitedSeconds > deadlineSeconds;
        }
    }
}
