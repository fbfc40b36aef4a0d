package ru.rosdistant.gateway.triage;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.Role;
import ru.rosdistant.gateway.dialog.Dialog;
import ru.rosdistant.gateway.dialog.DialogException;
import ru.rosdistant.gateway.dialog.DialogQueries;
import ru.rosdistant.gateway.dialog.DialogForwarding;
import ru.rosdistant.gateway.dialog.DialogState;
import ru.rosdistant.gateway.dialog.Triage;
import ru.rosdistant.gateway.site.Site;
import ru.rosdistant.gateway.site.Sites;

/**
 * The dispatcher's triage of main-site dialogs (regulation 4.3, 1): spam ends the dialog; partner,
 * applicant and student forward it to the line that handles them. Each decision is one action and is
 * recorded on the dialog. A dialog can be triaged while it waits, while the dispatcher talks in it and after it
 * ended; the 10 minutes of the rule run from the end of the dialog («от времени завершения диалога»), and a
 * dialog leaves the list once triaged (spam included).
 */
@Component
public class DispatcherTriage {

    /** The longest page of the list one request may ask for. */
    public static final int MAX_PAGE = 500;

    private final DialogQueries dialogs;

    private final DialogForwarding forwarding;

    private final Sites sites;

    private final TriageProperties properties;

    DispatcherTriage(DialogQueries dialogs, DialogForwarding forwarding, Sites sites, TriageProperties properties) {
        this.dialogs = dialogs;
        this.forwarding = forwarding;
        this.sites = sites;
        this.properties = properties;
    }

    public Mono<Dialog> decide(Agent agent, UUID dialogId, Triage outcome, String note) {
        if (!agent.has(Role.DISPATCHER) && !agent.has(Role.SUPERVISOR)) {
            return Mono.error(new DialogException(DialogException.Reason.FORBIDDEN, "Only a dispatcher triages"));
        }
        boolean supervisor = agent.has(Role.SUPERVISOR);
        return dialogs.find(dialogId)
                .filter(dialog -> dialog.lineId().equals(properties.line()) && dialog.triage() == null)
                .switchIfEmpty(Mono.error(() -> untriageable()))
                .flatMap(dialog -> decide(agent, supervisor, dialog, outcome, note));
    }

    private Mono<Dialog> decide(Agent agent, boolean supervisor, Dialog dialog, Triage outcome, String note) {
        if (dialog.state() == DialogState.ASSIGNED) {
            return outcome == Triage.SPAM ? forwarding.closeAsSpam(dialog.id(), agent.id(), supervisor)
                    : forwarding.forwardToLine(dialog.id(), agent.id(), agent.displayName(), supervisor,
                            properties.target(outcome), note, outcome);
        }
        return forwarding.triageUnassigned(dialog.id(), agent.id(), agent.displayName(), properties.line(), outcome,
                        outcome == Triage.SPAM ? null : properties.target(outcome), note)
                .switchIfEmpty(Mono.error(() -> untriageable()));
    }

    private static DialogException untriageable() {
        return new DialogException(DialogException.Reason.FORBIDDEN,
                "Only an untriaged dialog of the dispatcher's line can be triaged");
    }

    /**
     * One page of the dialogs of the dispatcher's line not yet triaged (the ended ones first, by the end of their
     * time), as they stand at {@code now}, with the count of all of them.
     */
    public Mono<Page> pending(Instant now, int limit, long offset) {
        return page(null, now, limit, offset);
    }

    /** The ones past the deadline at {@code now}, for a supervisor. */
    public Mono<Page> overdue(Instant now, int limit, long offset) {
        return page(now.minus(properties.deadline()), now, limit, offset);
    }

    /** How many are past the deadline at {@code now}. */
    public Mono<Long> overdueCount(Instant now) {
        return dialogs.countUntriaged(properties.line(), now.minus(properties.deadline()));
    }

    /** The line a non-spam outcome forwards to; null for spam. */
    public String targetLine(Triage outcome) {
        return outcome == Triage.SPAM ? null : properties.target(outcome);
    }

    /** The dispatcher's line, whose dialogs are triaged. */
    public String line() {
        return properties.line();
    }

    private Mono<Page> page(Instant endedBefore, Instant now, int limit, long offset) {
        int size = Math.max(1, Math.min(limit, MAX_PAGE));
        long from = Math.max(0, offset);
        return dialogs.untriaged(properties.line(), endedBefore, size, from)
                .map(untriaged -> pendingAt(untriaged, now))
                .collectList()
                .zipWith(dialogs.countUntriaged(properties.line(), endedBefore))
                .map(both -> new Page(both.getT2(), from, both.getT1()));
    }

    private Pending pendingAt(DialogQueries.Untriaged untriaged, Instant now) {
        Dialog dialog = untriaged.dialog();
        long openSeconds = Math.max(0, Duration.between(dialog.openedAt(),
                dialog.closedAt() == null ? now : dialog.closedAt()).toSeconds());
        Instant clockFrom = clockStart(dialog);
        Instant deadlineAt = clockFrom == null ? null : clockFrom.plus(properties.deadline());
        Long sinceEnd = clockFrom == null ? null : Math.max(0, Duration.between(clockFrom, now).toSeconds());
        String siteName = sites.site(dialog.siteId()).map(Site::name).orElse(dialog.siteId());
        return new Pending(dialog, siteName, preview(untriaged.firstMessage()), openSeconds, sinceEnd, deadlineAt,
                properties.deadline().toSeconds(), deadlineAt != null && now.isAfter(deadlineAt));
    }

    /**
     * When the 10-minute rule starts: a chat's when it ended; a mail's when it arrived (an e-mail dialog opens with
     * its first mail and stays open while it waits on the line's list), as {@code DialogManagement.untriaged} orders.
     */
    private static Instant clockStart(Dialog dialog) {
        if (dialog.closedAt() != null) {
            return dialog.closedAt();
        }
        return "EMAIL".equals(dialog.channel()) ? dialog.openedAt() : null;
    }

    private static String preview(String text) {
        if (text == null) {
            return null;
        }
        String line = text.strip();
        return line.length() <= 300 ? line : line.substring(0, 300) + "…";
    }

    /** A page of the list: {@code total} is the count of the whole list, {@code offset} where this page starts. */
    public record Page(long total, long offset, List<Pending> items) {
    }

    /**
     * One dialog to triage. {@code openSeconds}: how long it has been (or was) open; {@code sinceEndSeconds} and
     * {@code deadlineAt}: null while it is open, since the clock of the rule starts when it ends.
     */
    public record Pending(Dialog dialog, String siteName, String firstMessage, long openSeconds, Long sinceEndSeconds,
            Instant deadlineAt, long deadlineSeconds, boolean overdue) {
    }
}
