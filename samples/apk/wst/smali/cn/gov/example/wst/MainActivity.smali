.class public Lcn/gov/example/wst/MainActivity;
.super Landroid/app/Activity;
.source "MainActivity.java"

# Reads the IMEI in onCreate, before the consent dialog is shown (a 认定方法 三.1 pattern).

.method public constructor <init>()V
    .registers 1
    invoke-direct {p0}, Landroid/app/Activity;-><init>()V
    return-void
.end method

.method protected onCreate(Landroid/os/Bundle;)V
    .registers 4
    invoke-super {p0, p1}, Landroid/app/Activity;->onCreate(Landroid/os/Bundle;)V
    const-string v0, "phone"
    invoke-virtual {p0, v0}, Lcn/gov/example/wst/MainActivity;->getSystemService(Ljava/lang/String;)Ljava/lang/Object;
    move-result-object v0
    check-cast v0, Landroid/telephony/TelephonyManager;
    invoke-virtual {v0}, Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;
    move-result-object v1
    invoke-static {p0}, Lcn/gov/example/wst/LocationHelper;->locate(Landroid/content/Context;)V
    invoke-direct {p0}, Lcn/gov/example/wst/MainActivity;->showPrivacyDialog()V
    return-void
.end method

.method private showPrivacyDialog()V
    .registers 3
    const-string v0, "file:///android_asset/privacy.html"
    const-string v1, "\u8bf7\u9605\u8bfb\u5e76\u540c\u610f\u300a\u4e2a\u4eba\u4fe1\u606f\u4fdd\u62a4\u653f\u7b56\u300b"
    return-void
.end method
