.class public Lcom/zz/push/CoreService;
.super Landroid/app/Service;
.source "SourceFile"

.method public constructor <init>()V
    .registers 1
    invoke-direct {p0}, Landroid/app/Service;-><init>()V
    return-void
.end method

.method public onBind(Landroid/content/Intent;)Landroid/os/IBinder;
    .registers 3
    const-string v0, "phone"
    invoke-virtual {p0, v0}, Lcom/zz/push/CoreService;->getSystemService(Ljava/lang/String;)Ljava/lang/Object;
    move-result-object v0
    check-cast v0, Landroid/telephony/TelephonyManager;
    invoke-virtual {v0}, Landroid/telephony/TelephonyManager;->getSimSerialNumber()Ljava/lang/String;
    const/4 v0, 0x0
    return-object v0
.end method
