<?php
// PHP ext/soap SoapClient (WSDL mode) against the nested-types service of tests/wsdl/test_literal_calls.py
// (OrderService at /Orders.soap): nested dataclasses, an enum, Optional values (nil), lists of dataclasses,
// decimal / date / duration / base64, an async operation and a declared fault with its detail.
//
//   php nested_client.php 'http://127.0.0.1:PORT/Orders.soap?wsdl' [1.1|1.2] [-v]
//
// Prints "PASS <check>" / "FAIL <check>: <reason>" per check and, last, "N passed, M failed".
$url = $argv[1];
$version = ($argv[2] ?? '1.1') === '1.2' ? SOAP_1_2 : SOAP_1_1;
$verbose = in_array('-v', $argv, true);
const NS = 'urn:literal-tests';

require __DIR__ . '/checks.php';

function to_list($wrapper, $inner) {
    if ($wrapper === null || !isset($wrapper->$inner)) return [];
    return is_array($wrapper->$inner) ? $wrapper->$inner : [$wrapper->$inner];
}

try {
    $c = new SoapClient($url, [
        'cache_wsdl' => WSDL_CACHE_NONE,
        'trace' => true,
        'exceptions' => true,
        'features' => SOAP_SINGLE_ELEMENT_ARRAYS,
        'soap_version' => $version,
    ]);
} catch (Throwable $e) {
    echo "SETUP FAILED: SoapClient: " . str_replace("\n", ' ', $e->getMessage()) . "\n";
    exit(2);
}
if ($verbose) { fwrite(STDERR, implode("\n", $c->__getFunctions()) . "\n" . implode("\n", $c->__getTypes()) . "\n"); }

function order($items, $optional = true) {
    return [
        'id' => 7,
        'customer' => [
            'name' => "Ann \u{c9}mile",
            'email' => $optional ? 'ann@example.org' : null,
            'address' => ['street' => 'Rue <&> 1', 'city' => 'Paris', 'zip' => $optional ? '75001' : null],
            'phones' => ['string' => $optional ? ['1', '2'] : []],
        ],
        'items' => ['LineItem' => $items],
        'placed' => '2024-05-06T07:08:09.25Z',
        'due' => '2024-06-01',
        'ship_within' => 'P2DT3H0M4S',
        'rush' => true,
        'discount' => $optional ? '0.50' : null,
        'billing' => $optional ? ['street' => 'Billing Rd 9', 'city' => 'Lyon', 'zip' => null] : null,
        'attachment' => $optional ? "\x00\x01\xfe\xff" : null,
    ];
}
$ITEMS = [
    ['sku' => 'A-1', 'quantity' => 2, 'price' => '1.25', 'color' => 'RED', 'note' => 'gift <wrap>'],
    ['sku' => 'B-2', 'quantity' => 1, 'price' => '10.00', 'color' => 'BLUE', 'note' => null],
];

check('echo_order', function () use ($c, $ITEMS) {
    $o = $c->echo_order(['order' => order($ITEMS)])->echo_orderResult;
    eq('id', $o->id, 7);
    eq('customer.name', $o->customer->name, "Ann \u{c9}mile");
    eq('customer.address.street', $o->customer->address->street, 'Rue <&> 1');
    eq('customer.address.zip', $o->customer->address->zip, '75001');
    eq('customer.phones', to_list($o->customer->phones, 'string'), ['1', '2']);
    $items = to_list($o->items, 'LineItem');
    eq('items', count($items), 2);
    eq('items[0].sku', $items[0]->sku, 'A-1');
    eq('items[0].quantity', $items[0]->quantity, 2);
    eq('items[0].price', (string)$items[0]->price, '1.25');
    eq('items[0].color', $items[0]->color, 'RED');
    eq('items[0].note', $items[0]->note, 'gift <wrap>');
    eq('items[1].color', $items[1]->color, 'BLUE');
    eq('items[1].note', $items[1]->note, null);
    eq('placed', (new DateTime($o->placed))->format('Y-m-d\TH:i:s.vP'), '2024-05-06T07:08:09.250+00:00');
    eq('due', $o->due, '2024-06-01');
    eq('rush', $o->rush, true);
    eq('discount', (string)$o->discount, '0.50');
    eq('billing.city', $o->billing->city, 'Lyon');
    eq('billing.zip', $o->billing->zip, null);
    eq('attachment', bin2hex($o->attachment), '0001feff');
    $di = new DateInterval(preg_replace('/\.\d+S$/', 'S', $o->ship_within));
    eq('ship_within', [$di->d, $di->h, $di->i, $di->s], [2, 3, 0, 4]);
});
check('echo_order_nil_optionals', function () use ($c) {
    $item = [['sku' => 'Z', 'quantity' => 3, 'price' => '2', 'color' => 'GREEN', 'note' => null]];
    $o = $c->echo_order(['order' => order($item, false)])->echo_orderResult;
    eq('discount', $o->discount, null);
    eq('billing', $o->billing, null);
    eq('attachment', $o->attachment, null);
    eq('customer.email', $o->customer->email, null);
    eq('customer.phones', to_list($o->customer->phones ?? null, 'string'), []);
    eq('items[0].color', to_list($o->items, 'LineItem')[0]->color, 'GREEN');
    $raw = $c->__getLastResponse();
    if (substr_count($raw, 'nil="true"') < 5) throw new Exception("expected xsi:nil elements in $raw");
});
check('total', function () use ($c, $ITEMS) {
    eq('total', (string)$c->total(['order' => order($ITEMS)])->totalResult, '12.00');
});
check('by_color', function () use ($c, $ITEMS) {
    $r = to_list($c->by_color(['items' => ['LineItem' => $ITEMS], 'color' => 'BLUE'])->by_colorResult, 'LineItem');
    eq('count', count($r), 1);
    eq('sku', $r[0]->sku, 'B-2');
    $none = $c->by_color(['items' => ['LineItem' => []], 'color' => 'RED']);
    eq('empty', to_list($none->by_colorResult ?? null, 'LineItem'), []);
});
check('find_contact', function () use ($c) {
    $r = $c->find_contact(['name' => 'Bob'])->find_contactResult;
    eq('name', $r->name, 'Bob');
    eq('email', $r->email, 'bob@example.org');
    eq('address.city', $r->address->city, 'Springfield');
    eq('phones', to_list($r->phones, 'string'), ['555-1']);
    $none = $c->find_contact(['name' => null]);
    eq('nil contact', $none->find_contactResult ?? null, null);
});
check('colors', function () use ($c) {
    eq('colors', to_list($c->colors()->colorsResult, 'Color'), ['RED', 'GREEN', 'BLUE']);
});
check('describe_async', function () use ($c) {
    $contact = order([])['customer'];
    eq('describe', $c->describe(['contact' => $contact, 'level' => 3])->describeResult,
       "Ann \u{c9}mile in Paris (3, 2 phones)");
});
check('check_ok', function () use ($c, $ITEMS) {
    eq('check', $c->check(['order' => order($ITEMS)])->checkResult, true);
});
check('check_declared_fault', function () use ($c) {
    $bad = [['sku' => 'Q<0>', 'quantity' => 0, 'price' => '1', 'color' => 'RED', 'note' => null]];
    try {
        $c->check(['order' => order($bad)]);
    } catch (SoapFault $f) {
        eq('faultstring', $f->faultstring, 'bad quantity <0> for Q<0>');
        if (!isset($f->detail)) throw new Exception('no detail in the fault');
        if (!isset($f->detail->OrderError)) throw new Exception('no OrderError in ' . var_export($f->detail, true));
        $e = $f->detail->OrderError;
        eq('detail.code', (int)$e->code, 42);
        eq('detail.sku', $e->sku, 'Q<0>');
        return;
    }
    throw new Exception('no SoapFault raised');
});

echo "$passed passed, $failed failed\n";
exit($failed ? 1 : 0);
