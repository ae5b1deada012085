// The contract of the .NET-types interop tests (assembly "DotnetShared", version 0.0.0.0):
// typed arrays (T[] of a class, of strings and of primitives, as return values, arguments and
// members), strings carrying CR and CRLF, and mscorlib's own exceptions.
//
// The Python side of it is examples/dotnet_types.py; DotnetServer.cs implements it for Mono and
// DotnetClient.cs calls it. Type, member and method names become names on the wire: keep them in
// step with the Python classes.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Runtime.Remoting;
using System.Text;

[assembly: AssemblyVersion("0.0.0.0")]

namespace DotnetInterop
{
    public enum Color { Red = 0, Green = 1, Blue = 2 }

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

    // Every kind of typed array as a member (no DateTime[]: Mono's SOAP reader fails on those).
    [Serializable]
    public class Team
    {
        public string Name;
        public Person[] Members;
        public string[] Tags;
        public int[] Scores;
        public double[] Ratings;
        public long[] Ids;
        public bool[] Flags;
        public decimal[] Prices;
        public TimeSpan[] Spans;
        public Color[] Colors;
    }

    public interface IDotnetService
    {
        // {Ann (30), null, Bob (40)}
        Person[] GetPeople();
        Person[] EchoPeople(Person[] people);
        // {"a", null, "b"}
        string[] GetStrings();
        string[] EchoStrings(string[] items);
        // {1, -2, 2147483647}
        int[] GetInts();
        int[] EchoInts(int[] items);
        double[] EchoDoubles(double[] items);
        Color[] EchoColors(Color[] items);
        // (Mono's SOAP reader cannot read a DateTime[]: binary only.)
        DateTime[] EchoDates(DateTime[] items);
        // The team of DotnetServer.cs / examples/dotnet_types.py (SampleTeam).
        Team GetTeam();
        Team EchoTeam(Team team);

        string EchoText(string text);
        // The UTF-16 code units of text, as upper-case hex separated by spaces ("<null>" for null).
        string CodeUnits(string text);

        // Throws the exception named by kind ("ArgumentException", ...) with this message;
        // ParamName "name" and ActualValue 42 where the type has them.
        void Throw(string kind, string message);
    }

    // What both sides of the Mono tests build: the sample team, code units, the exceptions by kind.
    public static class Samples
    {
        public static Team Team()
        {
            Team t = new Team();
            t.Name = "Blue";
            t.Members = new Person[] { new Person("Ann", 30), new Person("Bob", 40) };
            t.Tags = new string[] { "x", null, "y" };
            t.Scores = new int[] { 3, 1, 2 };
            t.Ratings = new double[] { 0.5, -1.25 };
            t.Ids = new long[] { 1L << 40 };
            t.Flags = new bool[] { true, false };
            t.Prices = new decimal[] { 1.5m, -0.01m };
            t.Spans = new TimeSpan[] { TimeSpan.FromMinutes(90) };
            t.Colors = new Color[] { Color.Blue, Color.Red };
            return t;
        }

        public static string CodeUnits(string text)
        {
            if (text == null) return "<null>";
            StringBuilder sb = new StringBuilder();
            foreach (char c in text)
            {
                if (sb.Length > 0) sb.Append(' ');
                sb.Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            return sb.ToString();
        }

        public static Exception Exception(string kind, string message)
        {
            switch (kind)
            {
                case "ArgumentException": return new ArgumentException(message, "name");
                case "ArgumentNullException": return new ArgumentNullException("name", message);
                case "ArgumentOutOfRangeException": return new ArgumentOutOfRangeException("name", 42, message);
                case "InvalidOperationException": return new InvalidOperationException(message);
                case "NotSupportedException": return new NotSupportedException(message);
                case "NotImplementedException": return new NotImplementedException(message);
                case "KeyNotFoundException": return new KeyNotFoundException(message);
                case "FormatException": return new FormatException(message);
                case "ArithmeticException": return new ArithmeticException(message);
                case "OverflowException": return new OverflowException(message);
                case "DivideByZeroException": return new DivideByZeroException(message);
                case "TimeoutException": return new TimeoutException(message);
                case "UnauthorizedAccessException": return new UnauthorizedAccessException(message);
                case "IOException": return new IOException(message);
                case "RemotingException": return new RemotingException(message);
                case "SystemException": return new SystemException(message);
                default: return new Exception(message);
            }
        }
    }

}
