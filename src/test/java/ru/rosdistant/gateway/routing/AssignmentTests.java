package ru.rosdistant.gateway.routing;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AssignmentTests {

    @Test
    void leastBusyPrefersFewestOpenDialogsThenTheLongestIdle() {
        var busy = new Assignment.Candidate(1, 5, 3, 0);
        var idleLong = new Assignment.Candidate(2, 5, 1, 100);
        var idleShort = new Assignment.Candidate(3, 5, 1, 200);
        assertThat(Assignment.pick(Strategy.LEAST_BUSY, List.of(busy, idleShort, idleLong), Set.of(), 0))
                .get()
                .extracting(c -> c.agentId)
                .isEqualTo(2L);
    }

    @Test
    void agentsAtCapacityOrPassedOverAreNeverPicked() {
        var full = new Assignment.Candidate(1, 2, 2, 0);
        var passed = new Assignment.Candidate(2, 5, 0, 0);
        assertThat(Assignment.pick(Strategy.LEAST_BUSY, List.of(full, passed), Set.of(2L), 0)).isEmpty();
        assertThat(Assignment.pick(Strategy.ROUND_ROBIN, List.of(full, passed), Set.of(2L), 0)).isEmpty();
    }

    @Test
    void roundRobinTakesTurnsAndWrapsAround() {
        var a = new Assignment.Candidate(10, 5, 4, 0);
        var b = new Assignment.Candidate(20, 5, 0, 0);
        var c = new Assignment.Candidate(30, 5, 2, 0);
        List<Assignment.Candidate> all = List.of(c, a, b);
        assertThat(Assignment.pick(Strategy.ROUND_ROBIN, all, Set.of(), Long.MIN_VALUE).get().agentId).isEqualTo(10);
        assertThat(Assignment.pick(Strategy.ROUND_ROBIN, all, Set.of(), 10).get().agentId).isEqualTo(20);
        assertThat(Assignment.pick(Strategy.ROUND_ROBIN, all, Set.of(), 20).get().agentId).isEqualTo(30);
        assertThat(Assignment.pick(Strategy.ROUND_ROBIN, all, Set.of(), 30).get().agentId).isEqualTo(10);
    }
}
