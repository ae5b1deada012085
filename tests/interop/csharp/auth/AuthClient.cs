// Mono .NET Remoting client with HTTP credentials: the HttpChannel's "username" and
// "password" properties, as a .NET shop configures a client of a Basic-protected server.
//
//   mono AuthClient.exe URL EXPECT [USER PASSWORD] [--binary]
//
// URL is the object's address (e.g. http://127.0.0.1:8000/SecureHello.soap); the object
// implements RemotingPeer.IHello. EXPECT is "ok" (HelloMethod("Basic") must answer
// "Hi there Basic") or "401" (the call must fail with HTTP 401 Unauthorized). Without
// USER the channel sends no credentials. Prints "PASS name" or "FAIL name: reason", then
// "N passed, M failed"; exit status 0 only if the check passed.
using System;
using System.Collections;
using System.Runtime.Remoting.Channels;
using System.Runtime.Remoting.Channels.Http;
using RemotingPeer;

namespace RemotingPeer.Tests
{
    public static class AuthClient
    {
        public static int Main(string[] args)
        {
            if (args.Length < 2)
            {
                Console.Error.WriteLine("usage: AuthClient.exe URL ok|401 [USER PASSWORD] [--binary]");
                return 2;
            }
            string url = args[0], expect = args[1];
            bool binary = Array.IndexOf(args, "--binary") >= 0;
            IDictionary props = new Hashtable();
            if (args.Length >= 4 && args[2] != "--binary")
            {
                props["username"] = args[2];
                props["password"] = args[3];
            }
            IClientChannelSinkProvider formatter = binary
                ? (IClientChannelSinkProvider)new BinaryClientFormatterSinkProvider()
                : new SoapClientFormatterSinkProvider();
            ChannelServices.RegisterChannel(new HttpClientChannel(props, formatter), false);
            string name = "call_" + expect + (props.Contains("username") ? "_with_credentials" : "_without_credentials");
            string problem;
            try
            {
                IHello hello = (IHello)Activator.GetObject(typeof(IHello), url);
                string got = hello.HelloMethod("Basic");
                problem = expect == "ok"
                    ? (got == "Hi there Basic" ? null : "got " + got)
                    : "the call succeeded (" + got + ") but a 401 was expected";
            }
            catch (Exception e)
            {
                Console.Error.WriteLine(e);
                string text = e.ToString();
                bool unauthorized = text.Contains("401") || text.Contains("Unauthorized");
                problem = expect == "401" && unauthorized
                    ? null
                    : e.GetType().FullName + ": " + e.Message.Replace("\n", " ");
            }
            Console.WriteLine(problem == null ? "PASS " + name : "FAIL " + name + ": " + problem);
            Console.WriteLine(problem == null ? "1 passed, 0 failed" : "0 passed, 1 failed");
            return problem == null ? 0 : 1;
        }
    }
}
