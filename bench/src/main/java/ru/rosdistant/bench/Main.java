package ru.rosdistant.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * <pre>
 * java -jar contact-gateway-bench.jar idle  --url http://127.0.0.1:18081 --pid PID --n 10000 [--sources 4] [--concurrency 200] [--hold 10] [--label gateway] [--out f.json]
 * java -jar contact-gateway-bench.jar chat  --url … --pid PID --visitors 1000 --agents 100 --max-dialogs 12 --rate 2000 [--warmup 10] [--duration 30] [--db jdbc:postgresql://…] [--pg-proxy http://127.0.0.1:18099] [--out f.json]
 * java -jar contact-gateway-bench.jar crash --url … --visitors 1000 --agents 100 --rate 1000 --load 60 --db jdbc:… --restart-file f [--load-marker f] [--absent-agents 0] [--out f.json]   (bench/drill-crash.sh)
 * java -jar contact-gateway-bench.jar cluster --url http://127.0.0.1:18300 --visitors 1000 --agents 100 --rate 1000 --load 100 --db jdbc:… --events f [--load-marker f]   (bench/drill-cluster.sh)
 * java -jar contact-gateway-bench.jar xmpp-idle --url http://127.0.0.1:15280 --pid PID --n 10000 [--domain bench.local] [--password pw-bench]   (the peer, ejabberd)
 * java -jar contact-gateway-bench.jar xmpp-chat --url http://127.0.0.1:15280 --pid PID --visitors 1000 --agents 100 --rate 2000 [--db jdbc:…]
 * java -jar contact-gateway-bench.jar relay --port 18090 [--threads 2]
 * java -jar contact-gateway-bench.jar pgproxy --listen 15432 --target-port 5432 --stats-port 18099
 * java -jar contact-gateway-bench.jar jfr-top --file rec.jfr [--top 25]
 * java -jar contact-gateway-bench.jar summarize --dir bench/results/…
 * </pre>
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length == 0) {
            System.err.println("usage: idle | chat | xmpp-idle | xmpp-chat | crash | cluster | relay | pgproxy | jfr-top | summarize  [--options]; see docs/benchmarks.md");
            System.exit(2);
        }
        Args args = new Args(argv, 1);
        switch (argv[0]) {
            case "idle" -> finish(args, IdleScenario.run(args));
            case "chat" -> finish(args, ChatScenario.run(args));
            case "xmpp-idle" -> finish(args, XmppIdleScenario.run(args));
            case "xmpp-chat" -> finish(args, XmppChatScenario.run(args));
            case "crash" -> finish(args, CrashScenario.run(args));
            case "cluster" -> finish(args, ClusterScenario.run(args));
            case "relay" -> RelayServer.main(args);
            case "pgproxy" -> PgProxy.main(args);
            case "jfr-top" -> JfrTop.main(args);
            case "summarize" -> Summarize.main(args);
            default -> {
                System.err.println("unknown command " + argv[0]);
                System.exit(2);
            }
        }
    }

    private static void finish(Args args, Map<String, Object> result) throws Exception {
        String json = Json.pretty(result);
        String out = args.str("out", null);
        if (out != null) {
            Files.writeString(Path.of(out), json);
        }
        System.out.println(json);
        System.exit(0);
    }
}
