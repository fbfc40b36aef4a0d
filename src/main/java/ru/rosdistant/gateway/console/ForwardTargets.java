package ru.rosdistant.gateway.console;

import java.security.Principal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;
import ru.rosdistant.gateway.dialog.Dialog;
import ru.rosdistant.gateway.dialog.DialogQueries;
import ru.rosdistant.gateway.routing.AgentPresence;
import ru.rosdistant.gateway.routing.AgentPresences;
import ru.rosdistant.gateway.routing.Presence;
import ru.rosdistant.gateway.site.Line;
import ru.rosdistant.gateway.site.Sites;

/**
 * {@code GET /api/dialogs/{id}/forward-targets}: where the agent who has the dialog (or a supervisor) may hand it
 * now. Colleagues with a console open and {@code ONLINE} or {@code AWAY} (offline ones are left out), each with their
 * state ({@code ONLINE}, {@code AWAY}, or {@code FULL} when every slot is taken) and free slots, those who can take
 * it first; and the other lines that have an agent online with a free slot. Names come trimmed, as people read them.
 */
@RestController
class ForwardTargets {

    private final AgentDirectory agents;

    private final DialogQueries dialogs;

    private final AgentPresences routing;

    private final Sites sites;

    ForwardTargets(AgentDirectory agents, DialogQueries dialogs, AgentPresences routing, Sites sites) {
        this.agents = agents;
        this.dialogs = dialogs;
        this.routing = routing;
        this.sites = sites;
    }

    /** A colleague the dialog may go to, as routing knows them now. */
    record Colleague(long id, String displayName, List<Map<String, String>> lines, String presence, String state,
            int free, int maxDialogs, String label) {
    }

    /** A line whose waiting line the dialog may join, with what it has now. */
    record LineTarget(String id, String name, int agentsOnline, int free, long waiting) {
    }

    @GetMapping("/api/dialogs/{dialogId}/forward-targets")
    Mono<ResponseEntity<Object>> targets(@PathVariable String dialogId, Mono<Principal> principal) {
        UUID id;
        try {
            id = UUID.fromString(dialogId);
        }
        catch (IllegalArgumentException ex) {
            return Mono.just(problem(HttpStatus.BAD_REQUEST, "dialogId: not a dialog id"));
        }
        return principal.map(Principal::getName)
                .flatMap(agents::byLogin)
                .flatMap(agent -> dialogs.find(id)
                        .flatMap(dialog -> mayForward(agent, dialog) ? targets(agent, dialog)
                                .map(body -> ResponseEntity.ok().<Object>body(body))
                                : Mono.just(problem(HttpStatus.FORBIDDEN,
                                        "Only the agent who has the open dialog, or a supervisor, forwards it")))
                        .defaultIfEmpty(problem(HttpStatus.NOT_FOUND, "No such dialog")))
                .defaultIfEmpty(problem(HttpStatus.UNAUTHORIZED, "Log in first"));
    }

    private static boolean mayForward(Agent agent, Dialog dialog) {
        return !dialog.isClosed() && (dialog.isAssignedTo(agent.id()) || agent.has(Role.SUPERVISOR));
    }

    private Mono<Map<String, Object>> targets(Agent me, Dialog dialog) {
        List<AgentPresence> present = routing.presentAgents()
                .stream()
                .filter(agent -> agent.connected() && agent.status() != Presence.OFFLINE)
                .filter(agent -> agent.agentId() != me.id() && !dialog.isAssignedTo(agent.agentId()))
                .toList();
        Mono<Map<Long, Integer>> loads = present.isEmpty() ? Mono.just(Map.of())
                : dialogs.loads(present.stream().map(AgentPresence::agentId).toList());
        Mono<Map<String, Long>> waiting = dialogs.waitingByLine()
                .collectMap(DialogQueries.LineWaiting::lineId, DialogQueries.LineWaiting::waiting);
        return Mono.zip(loads, waiting)
                .map(both -> {
                    List<Colleague> colleagues = present.stream()
                            .map(agent -> colleague(agent, both.getT1().getOrDefault(agent.agentId(), 0)))
                            .sorted(Comparator.comparingInt(ForwardTargets::rank)
                                    .thenComparing(Comparator.comparingInt(Colleague::free).reversed())
                                    .thenComparing(Colleague::displayName))
                            .toList();
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("dialogId", dialog.id());
                    body.put("agents", colleagues);
                    body.put("lines", lines(dialog, colleagues, both.getT2()));
                    return body;
                });
    }

    private Colleague colleague(AgentPresence agent, int load) {
        int free = Math.max(0, agent.maxDialogs() - load);
        String state = free == 0 ? "FULL" : agent.status().name();
        String name = clean(agent.displayName());
        String label = name + " — " + switch (state) {
            case "ONLINE" -> "на линии, свободно " + free + " из " + agent.maxDialogs();
            case "AWAY" -> "отошёл, свободно " + free + " из " + agent.maxDialogs();
            default -> "мест нет";
        };
        List<Map<String, String>> lines = agent.lines()
                .stream()
                .map(line -> Map.of("id", line, "name", clean(sites.line(line).map(Line::name).orElse(line))))
                .toList();
        return new Colleague(agent.agentId(), name, lines, agent.status().name(), state, free, agent.maxDialogs(),
                label);
    }

    /** Online with room first, then away, then full. */
    private static int rank(Colleague colleague) {
        return switch (colleague.state()) {
            case "ONLINE" -> 0;
            case "AWAY" -> 1;
            default -> 2;
        };
    }

    private List<LineTarget> lines(Dialog dialog, List<Colleague> colleagues, Map<String, Long> waiting) {
        List<LineTarget> targets = new ArrayList<>();
        for (Line line : sites.lines()) {
            if (line.id().equals(dialog.lineId())) {
                continue;
            }
            List<Colleague> online = colleagues.stream()
                    .filter(colleague -> colleague.presence().equals("ONLINE"))
                    .filter(colleague -> colleague.lines().stream().anyMatch(l -> l.get("id").equals(line.id())))
                    .toList();
            int free = online.stream().mapToInt(Colleague::free).sum();
            // a line nobody online can answer now is no place to send a person to
            if (free > 0) {
                targets.add(new LineTarget(line.id(), clean(line.name()), online.size(), free,
                        waiting.getOrDefault(line.id(), 0L)));
            }
        }
        targets.sort(Comparator.comparing(LineTarget::name));
        return targets;
    }

    /** A name as people read it: no surrounding blanks or punctuation, single spaces. */
    static String clean(String name) {
        if (name == null) {
            return "";
        }
        return name.strip()
                .replaceAll("\\s+", " ")
                .replaceAll("^[\\p{Punct}\\s]+|[\\p{Punct}&&[^.)»\"]]+$|\\s+$", "")
                .strip();
    }

    private static ResponseEntity<Object> problem(HttpStatus status, String detail) {
        return ResponseEntity.status(status).body(ProblemDetail.forStatusAndDetail(status, detail));
    }
}
