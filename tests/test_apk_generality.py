"""Behaviour found wanting on real APKs the project had not seen (benchmarks/RESULTS.md, "apk: generality
on unseen real APKs"), each checked on an APK generated here from our own smali."""

from __future__ import annotations

from pathlib import Path

import pytest
from apk_fixtures import build_apk

from auditor.apk import analyze_apk

MANIFEST = """<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="com.example.fan">
  <uses-sdk android:minSdkVersion="21" android:targetSdkVersion="30"/>
  <uses-permission android:name="android.permission.READ_PHONE_STATE"/>
  <application android:label="Fan"/>
</manifest>
"""

TM = "Landroid/telephony/TelephonyManager;"


def _class(name: str, body: str) -> str:
    return f".class public {name}\n.super Ljava/lang/Object;\n\n{body}"


def _static(name: str, calls: list[str]) -> str:
    lines = "\n".join(f"    invoke-static {{p0}}, {c}" for c in calls)
    return (f".method public static {name}({TM})V\n    .registers 1\n{lines}\n    return-void\n.end method\n")


def _reader(name: str, api: str) -> str:
    return _class(
        name,
        f".method public static read({TM})Ljava/lang/String;\n    .registers 2\n"
        f"    invoke-virtual {{p0}}, {TM}->{api}()Ljava/lang/String;\n    move-result-object v0\n"
        "    return-object v0\n.end method\n",
    )


def test_library_read_with_hundreds_of_library_callers_and_no_app_caller_is_unreached(tmp_path: Path) -> None:
    """Like appcompat's ActivityChooserModel (340-365 transitive callers inside androidx in real APKs, none
    outside): 400 androidx classes call the IMEI read, nothing outside androidx calls them. The IMSI read
    has as many library callers, one of which the app calls: that one is collection."""
    read_imei = f"Landroidx/zz/Imei;->read({TM})Ljava/lang/String;"
    read_imsi = f"Landroidx/zz/Imsi;->read({TM})Ljava/lang/String;"
    n = 400
    smali = {
        "androidx/zz/Imei.smali": _reader("Landroidx/zz/Imei;", "getDeviceId"),
        "androidx/zz/Imsi.smali": _reader("Landroidx/zz/Imsi;", "getSubscriberId"),
        "com/example/fan/Main.smali": _class(
            "Lcom/example/fan/Main;", _static("start", [f"Landroidx/zz/G{n - 1};->g({TM})V"])
        ),
    }
    for i in range(n):
        smali[f"androidx/zz/F{i}.smali"] = _class(f"Landroidx/zz/F{i};", _static("f", [read_imei]))
        smali[f"androidx/zz/G{i}.smali"] = _class(f"Landroidx/zz/G{i};", _static("g", [read_imsi]))
    r = analyze_apk(build_apk(tmp_path, MANIFEST, smali), salt="s")
    by_entity = {o.entity: o for o in r.observations if "class" in o.where}
    imei, imsi = by_entity["TelephonyManager.getDeviceId"], by_entity["TelephonyManager.getSubscriberId"]
    assert "unreached_library" in imei.evidence and not imei.collects
    assert "unreached_library" not in imsi.evidence and imsi.collects


def _property_table(name: str, rows: list[tuple[str, str]]) -> str:
    """A class whose <clinit> builds String[][] {{our key, property}, ...} (first row by aput-object, the
    others by filled-new-array, stored through an alias), a helper that dumps every property with
    `getprop` and picks the table's keys, and a caller that passes the table to the helper."""
    cls = f"Lcom/example/fan/{name};"
    lines = [f"    const/4 v0, {len(rows):#x}", "    new-array v0, v0, [[Ljava/lang/String;"]
    for i, (key, prop) in enumerate(rows):
        if i == 0:
            lines += ["    const/4 v1, 0x2", "    new-array v1, v1, [Ljava/lang/String;",
                      "    const/4 v2, 0x0", f'    const-string v3, "{key}"', "    aput-object v3, v1, v2",
                      "    const/4 v2, 0x1", f'    const-string v3, "{prop}"', "    aput-object v3, v1, v2"]
        else:
            lines += [f'    const-string v3, "{key}"', f'    const-string v4, "{prop}"',
                      "    filled-new-array {v3, v4}, [Ljava/lang/String;", "    move-result-object v1"]
        lines += [f"    const/4 v2, {i:#x}", "    aput-object v1, v0, v2"]
    lines += ["    move-object v4, v0", f"    sput-object v4, {cls}->TABLE:[[Ljava/lang/String;"]
    runtime = "Ljava/lang/Runtime;"
    return _class(
        cls,
        ".field static TABLE:[[Ljava/lang/String;\n\n"
        ".method static constructor <clinit>()V\n    .registers 5\n" + "\n".join(lines)
        + "\n    return-void\n.end method\n\n"
        ".method public static dump(Ljava/lang/Object;[[Ljava/lang/String;)V\n    .registers 4\n"
        f"    invoke-static {{}}, {runtime}->getRuntime(){runtime}\n    move-result-object v0\n"
        '    const-string v1, "getprop"\n'
        f"    invoke-virtual {{v0, v1}}, {runtime}->exec(Ljava/lang/String;)Ljava/lang/Process;\n"
        "    return-void\n.end method\n\n"
        ".method public static collect()V\n    .registers 2\n"
        f"    sget-object v0, {cls}->TABLE:[[Ljava/lang/String;\n    const/4 v1, 0x0\n"
        f"    invoke-static {{v1, v0}}, {cls}->dump(Ljava/lang/Object;[[Ljava/lang/String;)V\n"
        "    return-void\n.end method\n",
    )


def test_serial_picked_from_a_getprop_dump_by_a_static_table(tmp_path: Path) -> None:
    """An SDK runs `getprop` (every property) and keeps the ones its static String[][] table names, the
    table built in <clinit> (as iFlytek's MSC does with ro.serialno). The caller passing the table is the
    site; the same code with a table of non-identifying properties reads no serial."""
    smali = {
        "com/example/fan/Props.smali": _property_table(
            "Props", [("os.serialno", "ro.serialno"), ("os.model", "ro.product.model")]
        ),
        "com/example/fan/Models.smali": _property_table(
            "Models", [("os.model", "ro.product.model"), ("os.cpu", "ro.product.cpu.abi")]
        ),
    }
    r = analyze_apk(build_apk(tmp_path, MANIFEST, smali), salt="s")
    sites = [o for o in r.observations if o.entity == "Runtime.exec(getprop_serialno)"]
    assert [(o.where["class"], o.where["method"], o.where["via"]) for o in sites] == [
        ("com.example.fan.Props", "collect()V", "wrapper")
    ]
    assert sites[0].category == "device_id" and sites[0].collects


def _method(signature: str, regs: int, body: list[str]) -> str:
    """A static void method ('name(args)V') with ``body`` before its return."""
    return (f".method public static {signature}\n    .registers {regs}\n" + "\n".join(f"    {x}" for x in body)
            + "\n    return-void\n.end method\n\n")


def test_mac_address_read_from_sysfs_by_shell_or_file(tmp_path: Path) -> None:
    """`cat /sys/class/net/<iface>/address` through a shell helper (QT4A's helper and JPush 1.x do it
    with the command in the caller) and the same file opened directly are MAC reads; other sysfs files
    and other commands are not."""
    runtime, reader = "Ljava/lang/Runtime;", "Ljava/io/FileReader;"
    shell = "Lcom/example/fan/Shell;->run(Ljava/lang/String;)V"
    smali = {
        "com/example/fan/Shell.smali": _class(
            "Lcom/example/fan/Shell;",
            _method("run(Ljava/lang/String;)V", 2, [
                f"invoke-static {{}}, {runtime}->getRuntime(){runtime}", "move-result-object v0",
                f"invoke-virtual {{v0, p0}}, {runtime}->exec(Ljava/lang/String;)Ljava/lang/Process;"]),
        ),
        "com/example/fan/Net.smali": _class(
            "Lcom/example/fan/Net;",
            _method("mac()V", 1, ['const-string v0, "cat /sys/class/net/wlan0/address"',
                                 f"invoke-static {{v0}}, {shell}"])
            + _method("state()V", 1, ['const-string v0, "cat /sys/class/net/wlan0/operstate"',
                                     f"invoke-static {{v0}}, {shell}"])
            + _method("macFile()V", 2, [f"new-instance v0, {reader}", 'const-string v1, "/sys/class/net/eth0/address"',
                                       f"invoke-direct {{v0, v1}}, {reader}-><init>(Ljava/lang/String;)V"])
            + _method("cpuFile()V", 2, [f"new-instance v0, {reader}", 'const-string v1, "/proc/cpuinfo"',
                                       f"invoke-direct {{v0, v1}}, {reader}-><init>(Ljava/lang/String;)V"]),
        ),
    }
    r = analyze_apk(build_apk(tmp_path, MANIFEST, smali), salt="s")
    sites = {(o.entity, o.where["method"], o.where.get("via")) for o in r.observations
             if o.where.get("class") == "com.example.fan.Net"}
    assert sites == {
        ("Runtime.exec(cat_mac_address)", "mac()V", "wrapper"),
        ("File.open(mac_address)", "macFile()V", None),
    }
    assert {o.category for o in r.observations if "class" in o.where} == {"device_id"}



def _nulls(first: int, last: int) -> list[str]:
    return [f"const/4 v{r}, 0x0" for r in range(first, last + 1)]


def test_provider_read_through_a_cursor_loader_or_provider_client(tmp_path: Path) -> None:
    """A CursorLoader given the contacts URI runs the query itself (the Android guide's way to list
    contacts), as a ContentProviderClient does: the app's method naming the URI is the site. A loader on
    the app's own provider reads nothing."""
    loader, uri = "Landroid/content/CursorLoader;", "Landroid/net/Uri;"
    ctor = (f"{loader}-><init>(Landroid/content/Context;{uri}[Ljava/lang/String;Ljava/lang/String;"
            "[Ljava/lang/String;Ljava/lang/String;)V")
    query = (f"Landroid/content/ContentProviderClient;->query({uri}[Ljava/lang/String;Ljava/lang/String;"
             "[Ljava/lang/String;Ljava/lang/String;)Landroid/database/Cursor;")
    new_loader = [f"new-instance v0, {loader}", "move-object v1, p0"]
    own_uri = ['const-string v2, "content://com.example.fan.notes/all"',
               f"invoke-static {{v2}}, {uri}->parse(Ljava/lang/String;){uri}", "move-result-object v2"]
    smali = {
        "com/example/fan/Loaders.smali": _class(
            "Lcom/example/fan/Loaders;",
            _method("contacts(Landroid/content/Context;)V", 8, [
                *new_loader, f"sget-object v2, Landroid/provider/ContactsContract$Contacts;->CONTENT_URI:{uri}",
                *_nulls(3, 6), f"invoke-direct/range {{v0 .. v6}}, {ctor}"])
            + _method("notes(Landroid/content/Context;)V", 8, [
                *new_loader, *own_uri, *_nulls(3, 6), f"invoke-direct/range {{v0 .. v6}}, {ctor}"])
            + _method("calls(Landroid/content/ContentProviderClient;)V", 7, [
                "move-object v0, p0", f"sget-object v1, Landroid/provider/CallLog$Calls;->CONTENT_URI:{uri}",
                *_nulls(2, 5), f"invoke-virtual/range {{v0 .. v5}}, {query}"]),
        ),
    }
    r = analyze_apk(build_apk(tmp_path, MANIFEST, smali), salt="s")
    sites = {(o.where["method"], o.category) for o in r.observations if "class" in o.where}
    assert sites == {
        ("contacts(Landroid/content/Context;)V", "contacts"),
        ("calls(Landroid/content/ContentProviderClient;)V", "call_log"),
    }


def _encrypted(text: str, keys: tuple[int, ...]) -> str:
    """``text`` XORed with ``keys`` cycling on the index, as a smali string literal."""
    return "".join(f"\\u{ord(c) ^ keys[i % len(keys)]:04x}" for i, c in enumerate(text))


@pytest.mark.parametrize("foreign", [False, True])
def test_keys_decoded_by_the_class_initialiser(tmp_path: Path, foreign: bool) -> None:
    """Like JPush 1.x: <clinit> fills `z` from encrypted literals through the class's own decoder (XOR
    with keys picked by a packed-switch on index % 3), then does something else (an ArrayList); the
    methods pick z[1] = "android_id" and z[0] = "jpush_uid". Only the first is an ANDROID_ID read.
    A decoder that calls another class is not run: nothing is decoded, nothing guessed."""
    keys = (0x73, 0x49, 0x2A)
    enc, secure = "Lcom/example/fan/Enc;", "Landroid/provider/Settings$Secure;"
    get = f"{secure}->getString(Landroid/content/ContentResolver;Ljava/lang/String;)Ljava/lang/String;"
    table = []
    for i, text in enumerate(("jpush_uid", "android_id")):
        table += [f"const/4 v1, {i:#x}", f'const-string v2, "{_encrypted(text, keys)}"',
                  f"invoke-static {{v2}}, {enc}->z(Ljava/lang/String;)Ljava/lang/String;", "move-result-object v2",
                  "aput-object v2, v0, v1"]
    clinit = ["const/4 v0, 0x2", "new-array v0, v0, [Ljava/lang/String;", *table,
              f"sput-object v0, {enc}->z:[Ljava/lang/String;",
              "new-instance v0, Ljava/util/ArrayList;", "invoke-direct {v0}, Ljava/util/ArrayList;-><init>()V"]
    seed = ["invoke-static {}, Lcom/other/Keys;->seed()I", "move-result v3"] if foreign else []
    decoder = "\n".join(f"    {x}" for x in [
        *seed, "invoke-virtual {p0}, Ljava/lang/String;->toCharArray()[C", "move-result-object v0", "const/4 v1, 0x0",
        ":loop", "array-length v2, v0", "if-ge v1, v2, :done", "aget-char v2, v0, v1", "rem-int/lit8 v3, v1, 0x3",
        "packed-switch v3, :keys", f"const/16 v3, {keys[2]:#x}", "goto :xor",
        ":k0", f"const/16 v3, {keys[0]:#x}", "goto :xor", ":k1", f"const/16 v3, {keys[1]:#x}",
        ":xor", "xor-int/2addr v2, v3", "int-to-char v2, v2", "aput-char v2, v0, v1", "add-int/lit8 v1, v1, 0x1",
        "goto :loop", ":done", "new-instance v1, Ljava/lang/String;",
        "invoke-direct {v1, v0}, Ljava/lang/String;-><init>([C)V",
        "invoke-virtual {v1}, Ljava/lang/String;->intern()Ljava/lang/String;", "move-result-object v1",
        "return-object v1", ":keys", ".packed-switch 0x0", "    :k0", "    :k1", ".end packed-switch"])

    def reader(name: str, index: int) -> str:
        return (f".method public static {name}(Landroid/content/ContentResolver;)V\n    .registers 3\n"
                f"    sget-object v0, {enc}->z:[Ljava/lang/String;\n    const/4 v1, {index:#x}\n"
                f"    aget-object v0, v0, v1\n    invoke-static {{p0, v0}}, {get}\n    return-void\n.end method\n\n")

    smali = {"com/example/fan/Enc.smali": _class(
        enc,
        ".field private static final z:[Ljava/lang/String;\n\n"
        + _method("constructor <clinit>()V", 3, clinit).replace("public static constructor", "static constructor")
        + ".method private static z(Ljava/lang/String;)Ljava/lang/String;\n    .registers 5\n"
        + f"{decoder}\n.end method\n\n"
        + reader("id", 1) + reader("uid", 0),
    )}
    r = analyze_apk(build_apk(tmp_path, MANIFEST, smali), salt="s")
    sites = [(o.entity, o.where["method"]) for o in r.observations if "class" in o.where]
    assert sites == ([] if foreign else [("Settings.Secure.getString(android_id)",
                                           "id(Landroid/content/ContentResolver;)V")])
