// The method-model contract (issue 9 items 1, 2 and 10): out and ref parameters, overloads, a property
// with a setter. Assembly "MethodModel"; the Python side registers the same names.
using System;

namespace MethodModel
{
    [Serializable]
    public class Item
    {
        public string Label;
        public int Count;

        public Item() { }

        public Item(string label, int count)
        {
            Label = label;
            Count = count;
        }
    }

    public interface ICalculator
    {
        // out and ref parameters
        bool TryParse(string text, out int value);
        int Divide(int dividend, int divisor, out int remainder);
        void Swap(ref int a, ref int b);
        string Rename(ref string name, string suffix, out int length);
        Item Restock(ref Item item, int extra, out Item previous);

        // overloads: told apart by signature
        int Add(int a, int b);
        string Add(string a, string b);
        double Add(double a, double b, double c);

        // a property with a setter (get_Name / set_Name on the wire)
        string Name { get; set; }
    }
}
