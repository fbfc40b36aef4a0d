package ru.rosdistant.gateway.routing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * A benchmark, not a test: how long the routing decision takes with 200 available agents and 5,000
 * waiting dialogs. One "decision" picks the agent for one dialog ({@link Assignment#pick}); one "pass" is
 * what a drain of the line does in memory: decide for waiting dialogs in order until every agent is full.
 * Reports p50/p99/max over many repetitions, after a warm-up. Run (see docs/benchmarks.md):
 *
 * <pre>
 * mvn -q -B test-compile
 * java -cp target/classes:target/test-classes ru.rosdistant.gateway.routing.RoutingDecisionBenchmark
 * </pre>
 */
public final class RoutingDecisionBenchmark {

    private static final int AGENTS = 200;

    private static final int WAITING = 5_000;

    private RoutingDecisionBenchmark() {
    }

    public static void main(String[] args) {
        int passes = args.length > 0 ? Integer.parseInt(args[0]) : 2_000;
        for (Strategy strategy : new Strategy[] { Strategy.LEAST_BUSY, Strategy.ROUND_ROBIN }) {
            run(strategy, passes / 4, false);
            Result result = run(strategy, passes, true);
            System.out.printf("%-11s decision: p50 %6.2f us  p99 %6.2f us  max %7.2f us | "
                    + "pass (%d dialogs placed of %d waiting): p50 %7.1f us  p99 %7.1f us  max %8.1f us%n",
                    strategy, result.decisions[pct(result.decisions, 50)] / 1e3,
                    result.decisions[pct(result.decisions, 99)] / 1e3,
                    result.decisions[result.decisions.length - 1] / 1e3, result.placed, WAITING,
                    result.passes[pct(result.passes, 50)] / 1e3, result.passes[pct(result.passes, 99)] / 1e3,
                    result.passes[result.passes.length - 1] / 1e3);
        }
    }

    private record Result(long[] decisions, long[] passes, int placed) {
    }

    private static Result run(Strategy strategy, int passes, boolean measure) {
        Random random = new Random(42);
        long[] passTimes = new long[passes];
        List<Long> decisionTimes = new ArrayList<>();
        int placed = 0;
        for (int pass = 0; pass < passes; pass++) {
            List<Assignment.Candidate> candidates = new ArrayList<>(AGENTS);
            for (int i = 0; i < AGENTS; i++) {
                candidates.add(new Assignment.Candidate(i + 1, 5, random.nextInt(5), random.nextLong()));
            }
            Set<Long> passedOver = new HashSet<>();
            passedOver.add((long) random.nextInt(AGENTS));
            long last = random.nextInt(AGENTS);
            placed = 0;
            long passStart = System.nanoTime();
            for (int dialog = 0; dialog < WAITING; dialog++) {
                long start = System.nanoTime();
                Assignment.Candidate chosen = Assignment.pick(strategy, candidates, passedOver, last).orElse(null);
                if (measure && (dialog & 15) == 0) {
                    decisionTimes.add(System.nanoTime() - start);
                }
                if (chosen == null) {
                    break;
                }
                chosen.load++;
                chosen.lastAssignedNanos = start;
                last = chosen.agentId;
                placed++;
            }
            passTimes[pass] = System.nanoTime() - passStart;
        }
        long[] decisions = decisionTimes.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(decisions);
        Arrays.sort(passTimes);
        return new Result(decisions, passTimes, placed);
    }

    private static int pct(long[] sorted, int percentile) {
        return Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * percentile / 100.0) - 1);
    }
}
