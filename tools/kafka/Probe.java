// Probe helps kafka.sh with what a shell cannot do well; kafka.sh compiles it once, against
// the fetched Kafka jars, into the cache.
//
//   Probe ports N            prints N free loopback TCP ports, one a line
//   Probe await ADDR SECONDS PID
//                            waits until the broker at ADDR answers an AdminClient
//                            describeCluster (so it is registered with its controller and
//                            unfenced, not merely listening); exits 1 on timeout or as soon
//                            as process PID (the broker) has died
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

public final class Probe {
    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("ports")) {
            ports(Integer.parseInt(args[1]));
        } else if (args.length == 4 && args[0].equals("await")) {
            System.exit(await(args[1], Duration.ofSeconds(Long.parseLong(args[2])), Long.parseLong(args[3])) ? 0 : 1);
        } else {
            System.err.println("usage: Probe ports N | Probe await HOST:PORT SECONDS PID");
            System.exit(2);
        }
    }

    // The sockets stay open until all N are chosen, so the N ports are distinct.
    private static void ports(int n) throws Exception {
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                held.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            for (ServerSocket s : held) {
                System.out.println(s.getLocalPort());
            }
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }

    private static boolean await(String addr, Duration within, long pid) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, addr);
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "50");
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "2000");
        Instant deadline = Instant.now().plus(within);
        try (Admin admin = Admin.create(p)) {
            while (Instant.now().isBefore(deadline)) {
                if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    System.err.println("Probe: the broker (pid " + pid + ") has exited");
                    return false;
                }
                try {
                    if (!admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000))
                            .nodes().get(3, TimeUnit.SECONDS).isEmpty()) {
                        return true;
                    }
                } catch (Exception notYet) {
                    // Connection refused or the broker still starting: ask again.
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return false;
                }
            }
        }
        return false;
    }
}
