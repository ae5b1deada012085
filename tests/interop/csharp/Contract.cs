// Interop contract for the Mono tests (compiled as assembly "PeerShared",
// version 0.0.0.0). Type names, member names, member order and field names
// must stay exactly as in the reference peer's shared library, because they
// become SOAP namespaces and element names on the wire:
//   method element  http://schemas.microsoft.com/clr/nsassem/RemotingPeer.IHello/PeerShared
//   data type       http://schemas.microsoft.com/clr/nsassem/RemotingPeer/PeerShared%2C%20Version%3D0.0.0.0%2C...
using System;
using System.Reflection;
using System.Runtime.Serialization;

[assembly: AssemblyVersion("0.0.0.0")]

namespace RemotingPeer
{
    // HelloServer: SayHello.soap and SayHello.rem (SingleCall).
    public interface IHello
    {
        string HelloMethod(string name);
    }

    // SingleCallObject (SingleCallService.rem) and SingletonObject (SingletonService.rem).
    public interface IRemoteService
    {
        // New value of a per-instance counter: SingleCall always 1, Singleton 1, 2, 3 ...
        int Increment();
        // Full CLR name of the server object's class.
        string GetRemoteObjectType();
        int GetProcessId();
        // "i|d|b|s|t|Kind": invariant culture, d formatted "R",
        // t as UTC "yyyy-MM-ddTHH:mm:ss.fffffffZ", then t.Kind.
        string Echo(int i, double d, bool b, string s, DateTime t);
        // "l|f|m|(int)c|by|sh|ts.Ticks|hex(bytes) or <null>|[nullString] or <null>|e".
        string EchoMore(long l, float f, decimal m, char c, byte by, short sh,
                        TimeSpan ts, byte[] bytes, string nullString, DayOfWeek e);
        // A reversed copy; null stays null.
        int[] Reverse(int[] a);
        // Always throws GreetingException(message) with Greeting == "Hi there".
        void Fail(string message);
        Person GetPerson(string name, int age);
        // A copy of p one year older; null stays null.
        Person Birthday(Person p);
    }

    // Client-activated counter: RemotingPeer.ClientActivatedObject (activated through
    // RemoteActivationService.rem with a string constructor argument, lease 5 s / 2 s / 2 s),
    // and the counters FactoryService hands out.
    public interface ICounter
    {
        // New value of this instance's counter: 1, 2, 3 ...
        int Increment();
        // The name given to the constructor.
        string GetName();
    }

    // FactoryService (FactoryService.rem, Singleton): MarshalByRefObjects by reference, both ways.
    public interface IFactory
    {
        // A new counter that lives on the server; the caller gets a transparent proxy (an ObjRef on the wire).
        ICounter CreateCounter(string name);
        // "name=count|local" when the counter came back as the server's own object, "...|remote" when it
        // arrived as a proxy to an object elsewhere; "<null>" for null.
        string Describe(ICounter counter);
    }

    [Serializable]
    public class Person
    {
        public string Name;
        public int Age;

        public Person() { }

        public Person(string name, int age)
        {
            Name = name;
            Age = age;
        }

        public override string ToString()
        {
            return Name + " (" + Age + ")";
        }
    }

    [Serializable]
    public class GreetingException : Exception
    {
        // Extra payload: travels as an additional ISerializable member "Greeting".
        public string Greeting;

        public GreetingException() { }

        public GreetingException(string message) : this(message, "Hi there") { }

        public GreetingException(string message, string greeting) : base(message)
        {
            Greeting = greeting;
        }

        protected GreetingException(SerializationInfo info, StreamingContext context) : base(info, context)
        {
            Greeting = info.GetString("Greeting");
        }

        public override void GetObjectData(SerializationInfo info, StreamingContext context)
        {
            base.GetObjectData(info, context);
            info.AddValue("Greeting", Greeting);
        }
    }
}
