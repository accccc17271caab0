.class public final Lcom/zz/loc/b;
.super Ljava/lang/Object;
.source "SourceFile"

.method public static a(Landroid/content/Context;)Ljava/lang/String;
    .registers 3
    const-string v0, "phone"
    invoke-virtual {p0, v0}, Landroid/content/Context;->getSystemService(Ljava/lang/String;)Ljava/lang/Object;
    move-result-object v0
    check-cast v0, Landroid/telephony/TelephonyManager;
    invoke-virtual {v0}, Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;
    move-result-object v1
    invoke-static {p0}, Lcom/zz/loc/c;->b(Landroid/content/Context;)Ljava/lang/String;
    return-object v1
.end method
