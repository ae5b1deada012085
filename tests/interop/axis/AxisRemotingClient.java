// Apache Axis 1.4 (Debian libaxis-java) against the gateway's .NET Remoting WSDL (?wsdl=remoting), the way
// Axis users work: WSDL2Java generates rpc/encoded stubs for SingleCallService.rem and SayHello.soap, and
// this class calls every operation of the Remoting sample contract through them, nulls included.
//
//   java org.apache.axis.wsdl.WSDL2Java -o gen -p remoting 'http://HOST:PORT/SingleCallService.rem?wsdl=remoting'
//   java org.apache.axis.wsdl.WSDL2Java -o gen -p hello 'http://HOST:PORT/SayHello.soap?wsdl=remoting'
//   javac -d classes gen/remoting/*.java gen/hello/*.java AxisRemotingClient.java
//   java AxisRemotingClient
//
// The endpoint comes from soap:address (nothing patched). Output: "PASS name" or "FAIL name: reason" per
// check, then "N passed, M failed"; exit status 0 only if every check passed. The checks are the same as
// tests/interop/php/remoting_client.php's and the suds ones in tests/interop/test_rpc_encoded_toolkits.py.
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Calendar;
import java.util.TimeZone;

public class AxisRemotingClient {
    static int passed, failed;

    interface Body { void run() throws Exception; }

    static void check(String name, Body body) {
        try {
            body.run();
            System.out.println("PASS " + name);
            passed++;
        } catch (Throwable e) {
            System.out.println("FAIL " + name + ": " + (e.getClass().getSimpleName() + ": " + e.getMessage()).replace("\n", " "));
            e.printStackTrace();
            failed++;
        }
    }

    static void eq(String what, Object got, Object expected) {
        boolean same = expected == null ? got == null : expected.equals(got);
        if (!same) throw new AssertionError(what + ": expected <" + expected + ">, got <" + got + ">");
    }

    public static void main(String[] args) throws Exception {
        final hello.HelloServerPortType hi = new hello.HelloServerServiceLocator().getHelloServerPort();
        final remoting.SingleCallObjectPortType s = new remoting.SingleCallObjectServiceLocator().getSingleCallObjectPort();
        final Calendar t = Calendar.getInstance(TimeZone.getTimeZone("UTC"));
        t.clear();
        t.set(2024, Calendar.JANUARY, 2, 3, 4, 5);
        final String when = "2024-01-02T03:04:05.0000000Z|Utc";

        check("hello", () -> eq("HelloMethod", hi.helloMethod("Caveman"), "Hi there Caveman"));
        check("hello_unicode_markup", () -> eq("HelloMethod", hi.helloMethod("h\u00e9llo \u2713 <&>"), "Hi there h\u00e9llo \u2713 <&>"));
        check("increment", () -> { eq("first", s.increment(), 1); eq("second (SingleCall)", s.increment(), 1); });
        check("type_and_process", () -> {
            eq("GetRemoteObjectType", s.getRemoteObjectType(), "RemotingPeer.SingleCallObject");
            if (s.getProcessId() <= 0) throw new AssertionError("GetProcessId <= 0");
        });
        check("echo", () -> eq("Echo", s.echo(-7, 2.5, true, "x<&y \u00fc", t), "-7|2.5|True|x<&y \u00fc|" + when));
        check("echo_null_string", () -> eq("Echo", s.echo(0, 0.1, false, null, t), "0|0.1|False|<null>|" + when));
        check("echo_more", () -> eq("EchoMore", s.echoMore(1099511627776L, 1.5f, new BigDecimal("12.25"), "A",
                new org.apache.axis.types.UnsignedByte(255), (short) -5, new org.apache.axis.types.Duration("PT1.5S"),
                new byte[] {0, (byte) 0xff}, "x", remoting.DayOfWeek.Friday),
                "1099511627776|1.5|12.25|65|255|-5|15000000|00ff|[x]|Friday"));
        check("echo_more_nulls", () -> eq("EchoMore", s.echoMore(1L, 0f, new BigDecimal("0"), "z",
                new org.apache.axis.types.UnsignedByte(0), (short) 0, new org.apache.axis.types.Duration("PT0S"),
                null, null, remoting.DayOfWeek.Sunday), "1|0|0|122|0|0|0|<null>|<null>|Sunday"));
        check("reverse", () -> eq("Reverse", Arrays.toString(s.reverse(new int[] {1, 2, 3})), "[3, 2, 1]"));
        check("reverse_empty", () -> eq("Reverse", Arrays.toString(s.reverse(new int[0])), "[]"));
        check("reverse_null", () -> eq("Reverse(null)", s.reverse(null), null));
        check("get_person", () -> {
            remoting.Person p = s.getPerson("Bob", 41);
            eq("Name", p.getName(), "Bob");
            eq("Age", p.getAge(), 41);
        });
        check("get_person_null_name", () -> eq("Name", s.getPerson(null, 1).getName(), null));
        check("birthday", () -> {
            remoting.Person p = s.birthday(new remoting.Person("Ann", 30));
            eq("Name", p.getName(), "Ann");
            eq("Age", p.getAge(), 31);
        });
        check("birthday_null", () -> eq("Birthday(null)", s.birthday(null), null));
        check("fail", () -> {
            try {
                s.fail("bad news <&>");
            } catch (org.apache.axis.AxisFault f) {
                eq("faultstring", f.getFaultString(), " **** RemotingPeer.GreetingException - bad news <&>");
                return;
            }
            throw new AssertionError("no fault");
        });
        System.out.println(passed + " passed, " + failed + " failed");
        System.exit(failed == 0 ? 0 : 1);
    }
}
