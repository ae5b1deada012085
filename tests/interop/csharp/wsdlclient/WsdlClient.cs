// A client built the ASMX way from the gateway's .NET Remoting WSDL (?wsdl=remoting): Mono's `wsdl` tool
// generates SoapHttpClientProtocol proxies (rpc/encoded) for SingleCallService.rem and SayHello.soap, and
// this Main calls them as generated -- nothing patched, not even the Url (it comes from soap:address).
//
//   wsdl -nologo -out:SingleCall.cs 'http://HOST:PORT/SingleCallService.rem?wsdl=remoting'
//   wsdl -nologo -out:Hello.cs 'http://HOST:PORT/SayHello.soap?wsdl=remoting'
//   mcs -r:System.Web.Services.dll -r:System.Xml.dll -out:WsdlClient.exe WsdlClient.cs SingleCall.cs Hello.cs
//   mono WsdlClient.exe
//
// Output: "PASS name" or "FAIL name: reason" per check, then "N passed, M failed"; exit status 0 only if
// every check passed. Details go to stderr.
using System;
using System.Text;
using System.Web.Services.Protocols;

public static class WsdlClient
{
    static int passed, failed;

    static void Check(string name, Action body)
    {
        try
        {
            body();
            Console.WriteLine("PASS " + name);
            passed++;
        }
        catch (Exception e)
        {
            Console.WriteLine("FAIL " + name + ": " + (e.GetType().Name + ": " + e.Message).Replace("\n", " "));
            Console.Error.WriteLine(e);
            failed++;
        }
    }

    static void Eq(string what, object got, object expected)
    {
        if (!Equals(got, expected))
            throw new Exception(what + ": expected <" + expected + ">, got <" + got + ">");
    }

    public static int Main(string[] args)
    {
        Console.OutputEncoding = new UTF8Encoding(false);
        var hello = new HelloServerService();
        var single = new SingleCallObjectService();
        Console.Error.WriteLine("# HelloServerService.Url = " + hello.Url);
        Console.Error.WriteLine("# SingleCallObjectService.Url = " + single.Url);

        Check("hello", () => Eq("HelloMethod", hello.HelloMethod("Caveman"), "Hi there Caveman"));
        Check("hello_unicode_markup", () =>
            Eq("HelloMethod", hello.HelloMethod("h\u00e9llo \u2713 <&>"), "Hi there h\u00e9llo \u2713 <&>"));
        Check("increment", () =>
        {
            Eq("first", single.Increment(), 1);
            Eq("second (SingleCall: a fresh object)", single.Increment(), 1);
        });
        Check("get_person", () =>
        {
            Person p = single.GetPerson("Alice", 30);
            Eq("Name", p.Name, "Alice");
            Eq("Age", p.Age, 30);
        });
        Check("birthday", () =>
        {
            Person p = single.Birthday(new Person { Name = "Bob", Age = 41 });
            Eq("Name", p.Name, "Bob");
            Eq("Age", p.Age, 42);
            Eq("Birthday(null)", single.Birthday(null), null);
        });
        Check("reverse", () =>
        {
            int[] r = single.Reverse(new[] { 1, 2, 3 });
            Eq("reversed", string.Join(",", r), "3,2,1");
            Eq("empty", single.Reverse(new int[0]).Length, 0);
        });
        Check("echo_more_null_string", () =>
        {
            string r = single.EchoMore(1234567890123L, 1.5f, 12.345m, "c", 255, -32768, "PT1H2M3S",
                                       new byte[] { 0, 1, 255 }, null, DayOfWeek.Friday);
            Eq("EchoMore", r, "1234567890123|1.5|12.345|99|255|-32768|37230000000|0001ff|<null>|Friday");
        });
        Check("echo_more_string", () =>
        {
            string r = single.EchoMore(-1L, -0.25f, -1m, "\u00e9", 0, 7, "P1D", new byte[0], "x <&> y",
                                       DayOfWeek.Sunday);
            Eq("EchoMore", r, "-1|-0.25|-1|233|0|7|864000000000||[x <&> y]|Sunday");
        });
        Check("fail", () =>
        {
            try
            {
                single.Fail("it broke <&> \u00fc");
            }
            catch (SoapException e)
            {
                if (!e.Message.Contains("it broke <&> \u00fc"))
                    throw new Exception("SoapException without the message: " + e.Message);
                Eq("fault code", e.Code.Name, "Server");
                return;
            }
            throw new Exception("no SoapException");
        });
        Check("type_and_process", () =>
        {
            Eq("GetRemoteObjectType", single.GetRemoteObjectType(), "RemotingPeer.SingleCallObject");
            if (single.GetProcessId() <= 0) throw new Exception("no process id");
        });

        Console.WriteLine(passed + " passed, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }
}
