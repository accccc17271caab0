.class public Lcom/amap/api/location/AMapLocationClient;
.super Ljava/lang/Object;
.source "AMapLocationClient.java"

.method public constructor <init>(Landroid/content/Context;)V
    .registers 3
    invoke-direct {p0}, Ljava/lang/Object;-><init>()V
    invoke-static {p1}, Lcom/zz/loc/b;->a(Landroid/content/Context;)Ljava/lang/String;
    invoke-static {p1}, Lcom/zz/common/u;->a(Landroid/content/Context;)Ljava/lang/String;
    return-void
.end method
