package ru.rosdistant.gateway.overview;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.dialog.DialogQueries;
import ru.rosdistant.gateway.outbox.Outbox;
import ru.rosdistant.gateway.routing.AgentPresence;
import ru.rosdistant.gateway.routing.AgentPresences;
import ru.rosdistant.gateway.routing.Presence;
import ru.rosdistant.gateway.site.Line;
import ru.rosdistant.gateway.site.Sites;
import ru.rosdistant.gateway.task.Task;
import ru.rosdistant.gateway.task.Tasks;
import ru.rosdistant.gateway.triage.DispatcherTriage;

/**
 * The figures of every configured line, gathered in a handful of queries (waiting dialogs grouped by line,
 * the loads of the present agents, overdue triage and tasks, the outbox backlog) plus routing's presence
 * from memory.
 */
@Component
public class SupervisorOverview {

    /** The most live dialogs the view lists per line. */
    static final int LIVE_PER_LINE = 50;

    private final Sites sites;

    private final DialogQueries dialogs;

    private final AgentPresences routing;

    private final DispatcherTriage triage;

    private final Tasks tasks;

    private final Outbox outbox;

    private final LiveDialogs live;

    SupervisorOverview(Sites sites, DialogQueries dialogs, AgentPresences routing, DispatcherTriage triage,
            Tasks tasks, Outbox outbox, LiveDialogs live) {
        this.live = live;
        this.sites = sites;
        this.dialogs = dialogs;
        this.routing = routing;
        this.triage = triage;
        this.tasks = tasks;
        this.outbox = outbox;
    }

    /** One present agent of a line: presence, console connected, open dialogs against the maximum. */
    public record AgentLoad(long agentId, String displayName, Presence presence, boolean connected, int load,
            int maxDialogs) {
    }

    /**
     * A dialog live on a line now: waiting in its line ({@code queuedAt}) or held by an agent ({@code assignedAt});
     * {@code waitingSince} is the person's oldest message no agent has answered yet.
     */
    public record LiveDialog(UUID dialogId, String line, String state, Long agentId, String agentName,
            String visitorName, String site, String channel, Instant openedAt, Instant queuedAt, Instant assignedAt,
            Instant waitingSince) {
    }

    /** {@code dialogs}: the first {@link #LIVE_PER_LINE} live dialogs of the line, the waiting ones first. */
    public record LineFigures(String line, String name, long waiting, long longestWaitSeconds, int agentsOnline,
            List<AgentLoad> agents, long overdueTriage, long overdueTasks, List<LiveDialog> dialogs) {
    }

    public record Figures(Instant at, List<LineFigures> lines, long outboxUndelivered, long outboxFailed) {
    }

    public Mono<Figures> figures() {
        Instant now = Instant.now();
        List<AgentPresence> present = routing.presentAgents();
        Mono<Map<String, DialogQueries.LineWaiting>> waiting = dialogs.waitingByLine()
                .collectMap(DialogQueries.LineWaiting::lineId, Function.identity());
        Mono<Map<Long, Integer>> loads = present.isEmpty() ? Mono.just(Map.of())
                : dialogs.loads(present.stream().map(AgentPresence::agentId).toList());
        Mono<Map<String, Long>> overdueTriage = triage.overdueCount(now)
                .map(count -> Map.of(triage.line(), count));
        Mono<Map<String, Long>> overdueTasks = tasks.open(true, null, null)
                .collect(Collectors.groupingBy(Task::lineId, Collectors.counting()));
        Mono<Map<String, List<LiveDialog>>> liveDialogs = live.byLine(LIVE_PER_LINE)
                .collect(Collectors.groupingBy(LiveDialog::line));
        return Mono.zip(waiting, loads, overdueTriage, overdueTasks, outbox.backlog(), liveDialogs)
                .map(all -> {
                    List<LineFigures> lines = new ArrayList<>();
                    for (Line line : sites.lines()) {
                        DialogQueries.LineWaiting queue = all.getT1().get(line.id());
                        List<AgentLoad> agents = present.stream()
                                .filter(agent -> agent.lines().contains(line.id()))
                                .map(agent -> new AgentLoad(agent.agentId(), agent.displayName(), agent.status(),
                                        agent.connected(), all.getT2().getOrDefault(agent.agentId(), 0),
                                        agent.maxDialogs()))
                                .sorted(Comparator.comparing(AgentLoad::displayName))
                                .toList();
                        lines.add(new LineFigures(line.id(), line.name(), queue == null ? 0 : queue.waiting(),
                                queue == null ? 0 : Math.max(0, Duration.between(queue.longestSince(), now).toSeconds()),
                                (int) agents.stream().filter(a -> a.connected() && a.presence() == Presence.ONLINE).count(),
                                agents, all.getT3().getOrDefault(line.id(), 0L), all.getT4().getOrDefault(line.id(), 0L),
                                all.getT6().getOrDefault(line.id(), List.of())));
                    }
                    return new Figures(now, lines, all.getT5().undelivered(), all.getT5().failed());
                });
    }

    /** The figures as the REST answer shows them (kept in one place for the console). */
    static Map<String, Object> view(Figures figures) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("at", figures.at());
        view.put("lines", figures.lines());
        view.put("outbox", Map.of("undelivered", figures.outboxUndelivered(), "failed", figures.outboxFailed()));
        return view;
    }
}
