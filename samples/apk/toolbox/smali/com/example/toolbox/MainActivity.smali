.class public Lcom/example/toolbox/MainActivity;
.super Landroid/app/Activity;
.source "MainActivity.java"

.method public constructor <init>()V
    .registers 1
    invoke-direct {p0}, Landroid/app/Activity;-><init>()V
    return-void
.end method

.method protected onCreate(Landroid/os/Bundle;)V
    .registers 5
    invoke-super {p0, p1}, Landroid/app/Activity;->onCreate(Landroid/os/Bundle;)V
    const-string v0, "ro.serialno"
    const-string v1, "unknown"
    invoke-static {v0, v1}, Lcom/example/toolbox/SysProps;->getProperty(Ljava/lang/String;Ljava/lang/String;)Ljava/lang/String;
    const-string v0, "ro.serialno"
    invoke-static {v0}, Lcom/example/toolbox/Shell;->getprop(Ljava/lang/String;)Ljava/lang/String;
    new-instance v2, Lcom/amap/api/location/AMapLocationClient;
    invoke-direct {v2, p0}, Lcom/amap/api/location/AMapLocationClient;-><init>(Landroid/content/Context;)V
    invoke-static {p0}, Lcom/zz/common/u;->a(Landroid/content/Context;)Ljava/lang/String;
    invoke-static {p0}, Lcom/example/toolbox/Inbox;->list(Landroid/content/Context;)Landroid/database/Cursor;
    invoke-static {p0}, Lcom/example/toolbox/Wifi;->saved(Landroid/content/Context;)Ljava/util/List;
    new-instance v3, La/b/c/d;
    invoke-direct {v3}, La/b/c/d;-><init>()V
    return-void
.end method
