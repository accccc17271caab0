.class public final Lcom/example/toolbox/SimInfo;
.super Ljava/lang/Object;
.source "SimInfo.java"

.method public static imsi(Landroid/telephony/TelephonyManager;)Ljava/lang/String;
    .registers 2
    invoke-static {p0}, Landroidx/core/telephony/TelephonyManagerCompat;->getSubscriberId(Landroid/telephony/TelephonyManager;)Ljava/lang/String;
    move-result-object v0
    return-object v0
.end method
