"""Our gateway playing the servers behind the hand-written third-party WSDLs in ``tests/fixtures/wsdl``.

A stub generated from a foreign WSDL needs a live server that speaks exactly that contract. These services
implement it: method names, parameter names and dataclass field names are the WSDL's element names, and
``__soap_namespace__`` is the namespace of the operation wrapper elements (our server answers
``<opResponse><opResult>`` in the request's namespace, which is the ASMX / WCF convention the fixtures follow).

    uvicorn tests.wsdl.third_party_services:app_calculator   # calculator12.wsdl at /Calculator.soap
    uvicorn tests.wsdl.third_party_services:app_orders       # orders_main.wsdl at /OrderService.soap
    uvicorn tests.wsdl.third_party_services:app_shipping     # shipping.wsdl at /Shipping.soap

Run in the live server's process only: the tests talk to them through generated stubs, never by importing
this module (that would register these by-value types in the test process's default registry too).
"""

from __future__ import annotations

import datetime as dt
import enum
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated

from gateway import MarshalByRefObject, RemotingApp, WellKnownObjectMode
from soap import Int64, XmlShape, serializable
from wsdl import throws

# ------------------------------------------------------------------ calculator12.wsdl (ASMX, tempuri.org)

CALCULATOR_URI = "Calculator.soap"


@serializable("ThirdParty.CalculatorError", "ThirdParty")
class CalculatorError(Exception):
    """What the calculator raises (a registered type: its message reaches every caller as the faultstring)."""


class Calculator(MarshalByRefObject):
    """The four operations of the classic ASMX sample calculator, with .NET ``int`` semantics."""

    __soap_namespace__ = "http://tempuri.org/"

    def Add(self, intA: int, intB: int) -> int:
        return intA + intB

    def Subtract(self, intA: int, intB: int) -> int:
        return intA - intB

    def Multiply(self, intA: int, intB: int) -> int:
        return intA * intB

    def Divide(self, intA: int, intB: int) -> int:
        if intB == 0:
            raise CalculatorError("Attempted to divide by zero.")
        quotient = abs(intA) // abs(intB)  # C# truncates toward zero
        return quotient if (intA < 0) == (intB < 0) else -quotient


app_calculator = RemotingApp()
app_calculator.register_well_known(Calculator, CALCULATOR_URI, WellKnownObjectMode.SingleCall)

# ------------------------------------------------------------------ orders_main.wsdl (+ orders_types.xsd)

ORDERS_URI = "OrderService.soap"


@serializable("ThirdParty.Orders.OrderStatus", "ThirdParty")
class OrderStatus(enum.Enum):
    """The ``c:OrderStatus`` enumeration: member names are the XSD enumeration values."""

    Pending = "Pending"
    Paid = "Paid"
    Shipped = "Shipped"
    Cancelled = "Cancelled"


@serializable("ThirdParty.Orders.Address", "ThirdParty")
@dataclass
class Address:
    Street: str
    City: str
    PostalCode: str | None
    Country: str


@serializable("ThirdParty.Orders.Customer", "ThirdParty")
@dataclass
class Customer:
    CustomerId: Int64
    Name: str
    Email: str | None
    Address: Address | None


@serializable("ThirdParty.Orders.OrderLine", "ThirdParty")
@dataclass
class OrderLine:
    Sku: str
    Quantity: int
    UnitPrice: Decimal
    tax_rate: Decimal | None = field(default=None, metadata={"wire_name": "tax-rate"})


@serializable("ThirdParty.Orders.Order", "ThirdParty")
@dataclass
class Order:
    OrderId: str | None
    Customer: Customer
    Lines: list[OrderLine]
    PlacedAt: dt.datetime
    Status: OrderStatus
    Total: Decimal | None
    Express: bool
    Notes: str | None


@serializable("ThirdParty.Orders.OrderNotFound", "ThirdParty")
class OrderNotFound(Exception):
    """The declared fault of ``GetOrder`` (the ``o:OrderNotFound`` detail element)."""

    OrderId: str | None


class OrderService(MarshalByRefObject):
    """An in-memory order book (a Singleton, so orders outlive the call that placed them)."""

    __soap_namespace__ = "http://example.com/orders/2024"

    def __init__(self) -> None:
        self._orders: dict[str, Order] = {}
        self._lock = threading.Lock()

    def PlaceOrder(self, order: Order) -> str:
        """Stores a copy of ``order`` under a new id; the total is the sum of its lines (tax included)."""
        with self._lock:
            order_id = f"ORD-{len(self._orders) + 1:05d}"
            total = sum(
                (line.UnitPrice * line.Quantity * (1 + (line.tax_rate or Decimal(0))) for line in order.Lines),
                Decimal(0),
            ).quantize(Decimal("0.01"))
            self._orders[order_id] = Order(
                order_id, order.Customer, list(order.Lines), order.PlacedAt, order.Status, total, order.Express,
                order.Notes,
            )
            return order_id

    @throws(OrderNotFound)
    def GetOrder(self, orderId: str) -> Order:
        with self._lock:
            order = self._orders.get(orderId)
        if order is None:
            error = OrderNotFound(f"no order {orderId}")
            error.OrderId = orderId
            raise error
        return order

    def ListOrders(self, status: OrderStatus | None) -> list[Order]:
        """Every order in that status (all of them when ``status`` is absent), in placing order."""
        with self._lock:
            return [o for o in self._orders.values() if status is None or o.Status is status]

    @throws(OrderNotFound)
    def CancelOrder(self, orderId: str, reason: str | None) -> None:
        order = self.GetOrder(orderId)
        with self._lock:
            order.Status = OrderStatus.Cancelled
            order.Notes = reason if reason is not None else order.Notes


app_orders = RemotingApp()
app_orders.register_well_known(OrderService, ORDERS_URI, WellKnownObjectMode.Singleton)

# ------------------------------------------------------------------ shipping.wsdl (faults, enums, attributes, choice)

SHIPPING_URI = "Shipping.soap"
Attribute = XmlShape(attribute=True)
Omitted = XmlShape(omit_if_none=True)


@serializable("ThirdParty.Shipping.ServiceLevel", "ThirdParty")
class ServiceLevel(enum.Enum):
    ECONOMY = "ECONOMY"
    EXPRESS = "EXPRESS"
    OVERNIGHT = "OVERNIGHT"


@serializable("ThirdParty.Shipping.Parcel", "ThirdParty")
@dataclass
class Parcel:
    weightGrams: int
    fragile: bool
    reference: Annotated[str | None, Attribute] = None


@serializable("ThirdParty.Shipping.Letter", "ThirdParty")
@dataclass
class Letter:
    pages: int


@serializable("ThirdParty.Shipping.QuoteRequest", "ThirdParty")
@dataclass
class QuoteRequest:
    parcel: Annotated[Parcel | None, Omitted]  # xs:choice: a parcel or a letter
    letter: Annotated[Letter | None, Omitted]
    level: ServiceLevel
    region: str
    currency: Annotated[str | None, Attribute] = None


@serializable("ThirdParty.Shipping.Quote", "ThirdParty")
@dataclass
class Quote:
    """Named ``PriceQuote`` in XML Schema: a type ``Quote`` and the operation ``quote`` would be one Java class."""

    __soap_type_name__ = "PriceQuote"

    price: Decimal
    level: ServiceLevel
    days: int
    id: Annotated[str, Attribute] = ""
    currency: Annotated[str | None, Attribute] = None


@serializable("ThirdParty.Shipping.QuoteRefused", "ThirdParty")
class QuoteRefused(Exception):
    """A declared fault the caller caused (faultcode Client), with when to try again."""

    __fault_code__ = "Client"
    reason: str
    retryAfterSeconds: int


@serializable("ThirdParty.Shipping.UnknownQuote", "ThirdParty")
class UnknownQuote(Exception):
    quoteId: str


def _refused(message: str, reason: str, retry: int) -> QuoteRefused:
    error = QuoteRefused(message)
    error.reason, error.retryAfterSeconds = reason, retry
    return error


class ShippingService(MarshalByRefObject):
    """Quotes parcels up to 30 kg and letters; books quotes it gave (a Singleton: quotes outlive the call)."""

    __soap_namespace__ = "http://shipping.example.com/quotes"

    def __init__(self) -> None:
        self._quotes: dict[str, Quote] = {}
        self._lock = threading.Lock()

    @throws(QuoteRefused)
    def quote(self, request: QuoteRequest) -> Quote:
        if (request.parcel is None) == (request.letter is None):
            raise _refused("send a parcel or a letter", "choice", 0)
        if request.parcel is not None and request.parcel.weightGrams > 30_000:
            raise _refused("too heavy: 30 kg at most", "weight", 3600)
        if request.parcel is not None:
            grams = request.parcel.weightGrams
        else:
            assert request.letter is not None
            grams = 20 * request.letter.pages
        days = {ServiceLevel.ECONOMY: 5, ServiceLevel.EXPRESS: 2, ServiceLevel.OVERNIGHT: 1}[request.level]
        price = (Decimal(grams) / 1000 * (6 - days) + (Decimal("2.50") if request.region != "EU-WEST" else 0))
        with self._lock:
            quote = Quote(price.quantize(Decimal("0.01")), request.level, days, f"Q-{len(self._quotes) + 1}",
                          request.currency)
            self._quotes[quote.id] = quote
        return quote

    @throws(QuoteRefused, UnknownQuote)
    def book(self, quoteId: str) -> str:
        with self._lock:
            quote = self._quotes.get(quoteId)
        if quote is None:
            error = UnknownQuote(f"no quote {quoteId}")
            error.quoteId = quoteId
            raise error
        if quote.level is ServiceLevel.OVERNIGHT and quote.price > 100:
            raise _refused("overnight capacity exhausted", "capacity", 60)
        return f"TRACK-{quoteId}"


app_shipping = RemotingApp()
app_shipping.register_well_known(ShippingService, SHIPPING_URI, WellKnownObjectMode.Singleton)
